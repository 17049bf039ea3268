import { PluginLoadError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import { openLane } from '../lanes/open-lane.ts';
import type { Lane, LaneId } from '../isolations/lane.ts';
import { laneName } from '../isolations/lane.ts';
import { inputPool } from '../load/inputs.ts';
import { abiOfDir, boundaryProblem } from '../abi/abi.ts';
import type { CheckResult } from '../report/results.ts';
import {
  callFault,
  type CheckFigures,
  type CheckOptions,
  EMPTY,
  judge,
  refusalCheck,
  tamperedCopy,
} from './check-steps.ts';
import { extismChecks } from './extism-checks.ts';
import { BACKSTOP_DEADLINE_MS, CHECK_DEADLINE_MS, FAULTS, PROTOCOL_LIES } from './matrix.ts';

/**
 * Runs the safety matrix on each lane: every fault of `faulty` (each followed by a healthy
 * call that must succeed on the recycled instance), repeated timeouts, and loads that must
 * be refused (future ABI, greedy capabilities and limits, tampered artifacts).
 */
export async function runChecks(options: CheckOptions): Promise<{ checks: CheckResult[]; figures: CheckFigures[] }> {
  const log = options.log ?? (() => {});
  const policy: HostPolicy = {
    ...DEFAULT_POLICY,
    quotas: { ...DEFAULT_POLICY.quotas, memoryBytes: options.memoryQuotaBytes ?? 64 * 1024 * 1024 },
  };
  const checks: CheckResult[] = [];
  const figures: CheckFigures[] = [];
  const tampered = tamperedCopy(options.plugins.healthy);
  for (const laneId of options.lanes) {
    const name = laneName(laneId);
    log(`checking ${name}`);
    const lane = await openLane(options.plugins.faulty, laneId, { trusted: options.trusted, policy });
    const figure: CheckFigures = { lane: name, overshootMs: [], recycles: [] };
    try {
      for (const fault of FAULTS) {
        const expectation = fault.expectOn(laneId);
        if ('unsupported' in expectation) {
          checks.push({
            id: `fault.${fault.op}`,
            plugin: 'faulty',
            lane: name,
            status: 'unsupported',
            detail: expectation.unsupported,
          });
          continue;
        }
        // Only a spin needs the short deadline: a hog or an abort on a loaded machine may take longer and still be right.
        const call = await callFault(
          lane,
          fault.op,
          figure,
          fault.needsDeadline ? CHECK_DEADLINE_MS : BACKSTOP_DEADLINE_MS,
        );
        checks.push({ id: `fault.${fault.op}`, plugin: 'faulty', lane: name, ...judge(expectation, call) });
        const after = await lane.call(
          'echo',
          new Uint8Array([1, 2, 3]),
          lane.deadline.enforced ? { deadlineMs: 5000 } : {},
        );
        checks.push({
          id: `recovery.${fault.op}`,
          plugin: 'faulty',
          lane: name,
          status: after.outcome.ok ? 'pass' : 'fail',
          detail: after.outcome.ok
            ? 'a healthy call after the fault succeeded on a recycled instance'
            : `a healthy call after the fault failed: ${after.outcome.failure.kind}: ${after.outcome.failure.message}`,
        });
      }
      checks.push(...(await repeatedTimeouts(lane, figure)));
      figure.recycles = [...lane.recycles];
    } finally {
      await lane.close();
    }
    figures.push(figure);
    checks.push(...(await protocolChecks(options.plugins.liar, laneId, options)));
    checks.push(
      await refusalCheck('load.abi-future', 'abi-future', options.plugins.abiFuture, laneId, 'incompatible', options),
    );
    checks.push(await refusalCheck('load.greedy', 'greedy', options.plugins.greedy, laneId, 'incompatible', options));
    checks.push(await refusalCheck('load.tampered', 'textkit (tampered)', tampered, laneId, 'rejected', options));
    if (options.plugins.extism)
      checks.push(...(await extismChecks(laneId, options.plugins.extism, options, policy, figure)));
  }
  return { checks, figures };
}

/** The second and third calls after a timeout time out too, and a healthy call then succeeds. */
async function repeatedTimeouts(lane: Lane, figure: CheckFigures): Promise<CheckResult[]> {
  const base = { plugin: 'faulty', lane: lane.name };
  if (!lane.deadline.enforced)
    return [{ id: 'deadline.repeated', ...base, status: 'unsupported', detail: lane.deadline.why }];
  const kinds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const call = await callFault(lane, 'spin', figure);
    kinds.push(call.outcome.ok ? 'ok' : call.outcome.failure.kind);
  }
  const healthy = await lane.call('echo', new Uint8Array([9]), { deadlineMs: 5000 });
  const pass = kinds.every((k) => k === 'timeout') && healthy.outcome.ok;
  return [
    {
      id: 'deadline.repeated',
      ...base,
      status: pass ? 'pass' : 'fail',
      detail: `2nd and 3rd spins after a timeout: ${kinds.join(', ')}; then echo: ${healthy.outcome.ok ? 'ok' : healthy.outcome.failure.kind}`,
    },
  ];
}

/** Each lie of `liar` ends as `protocol` on this lane, and an honest call after it succeeds. */
async function protocolChecks(dir: string, laneId: LaneId, options: CheckOptions): Promise<CheckResult[]> {
  const lane = await openLane(dir, laneId, { trusted: options.trusted });
  const results: CheckResult[] = [];
  try {
    for (const op of PROTOCOL_LIES) {
      const { outcome } = await lane.call(op, EMPTY);
      const after = await lane.call('echo', new Uint8Array([4]));
      const got = outcome.ok ? 'ok' : `${outcome.failure.kind}: ${outcome.failure.message}`;
      const pass = !outcome.ok && outcome.failure.kind === 'protocol' && after.outcome.ok;
      results.push({
        id: `protocol.${op}`,
        plugin: 'liar',
        lane: lane.name,
        status: pass ? 'pass' : 'fail',
        detail: pass
          ? got
          : `expected protocol and a healthy call after it, got ${got}; then ${after.outcome.ok ? 'ok' : after.outcome.failure.kind}`,
      });
    }
  } finally {
    await lane.close();
  }
  return results;
}

/**
 * Checks of a plugin under test, on each lane: it loads and negotiates, every op answers a few
 * sample inputs with `ok` or its own error (no panic, trap, crash or protocol failure), and a
 * copy with one byte changed is rejected.
 */
export async function checkPlugin(
  dir: string,
  lanes: readonly LaneId[],
  trusted: readonly TrustedKey[],
  policy: HostPolicy = DEFAULT_POLICY,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const tampered = tamperedCopy(dir);
  for (const laneId of lanes) {
    const name = laneName(laneId);
    const problem = boundaryProblem(abiOfDir(dir), laneId.boundary);
    if (problem !== undefined) {
      results.push({ id: 'load', plugin: dir, lane: name, status: 'unsupported', detail: problem });
      continue;
    }
    let lane: Lane;
    try {
      lane = await openLane(dir, laneId, { trusted, policy });
    } catch (e) {
      if (!(e instanceof PluginLoadError)) throw e;
      results.push({
        id: 'load',
        plugin: dir,
        lane: name,
        status: 'fail',
        detail: `${e.kind}: ${e.message.split('\n')[0]}`,
      });
      continue;
    }
    const plugin = lane.manifest.name;
    results.push({
      id: 'load',
      plugin,
      lane: name,
      status: 'pass',
      detail: `negotiated ${plugin} ${lane.manifest.version}, abi ${lane.manifest.abi}`,
    });
    try {
      for (const op of lane.manifest.ops) {
        const faults: string[] = [];
        for (const input of inputPool(op.input, { sizesBytes: [0, 1, 64, 4096] })) {
          const { outcome } = await lane.call(op.name, input, lane.deadline.enforced ? { deadlineMs: 5000 } : {});
          if (!outcome.ok && outcome.failure.kind !== 'plugin')
            faults.push(`${input.length} B: ${outcome.failure.kind}: ${outcome.failure.message}`);
        }
        results.push({
          id: `contract.${op.name}`,
          plugin,
          lane: name,
          status: faults.length ? 'fail' : 'pass',
          detail: faults.length
            ? faults.join('; ')
            : "sample inputs of 0, 1, 64 and 4096 bytes end in ok or the plugin's own error",
        });
      }
    } finally {
      await lane.close();
    }
    results.push(
      await refusalCheck('load.tampered', `${plugin} (tampered)`, tampered, laneId, 'rejected', {
        trusted,
      } as CheckOptions),
    );
  }
  return results;
}
