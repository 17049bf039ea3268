import { PluginLoadError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import { openLane } from '../lanes/open-lane.ts';
import type { Lane, LaneId } from '../isolations/lane.ts';
import { laneName } from '../isolations/lane.ts';
import { inputPool } from '../load/inputs.ts';
import { abiOfDir } from '../abi/abi.ts';
import { abiProblemOn } from '../lanes/lanes-for-plugin.ts';
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

/** Memory quota of the fault checks, small so `hog` hits it fast. */
const CHECK_MEMORY_QUOTA_BYTES = 64 * 1024 * 1024;
/** Input sizes every op of a plugin under test is called with, in bytes. */
const CONTRACT_SAMPLE_BYTES = [0, 1, 64, 4096];

/** What every entry of the safety matrix is given for one lane. */
export interface MatrixContext {
  options: CheckOptions;
  /** The fault checks' policy: the default with a small memory quota. */
  policy: HostPolicy;
  /** Figures of this lane, filled in by the entries that measure. */
  figure: CheckFigures;
  /** A copy of the healthy plugin with one byte of each artifact flipped. */
  tampered: string;
}

/** One entry of the safety matrix: the cells it adds for a lane. A new check is a new entry. */
export interface MatrixEntry {
  /** What it proves. */
  readonly about: string;
  run(lane: LaneId, context: MatrixContext): Promise<CheckResult[]>;
}

const refusal =
  (id: string, plugin: string, dir: (c: MatrixContext) => string, expected: 'incompatible' | 'rejected') =>
  async (lane: LaneId, c: MatrixContext) => [await refusalCheck(id, plugin, dir(c), lane, expected, c.options)];

/** The safety matrix, in the order a lane goes through it. */
export const SAFETY_MATRIX: readonly MatrixEntry[] = [
  {
    about: "each of `faulty`'s faults, then a healthy call on the recycled instance; timeouts in a row",
    run: faultChecks,
  },
  {
    about: "each of `liar`'s lies ends as `protocol`, and an honest call after it succeeds",
    run: (lane, c) => protocolChecks(c.options.plugins.liar, lane, c.options),
  },
  {
    about: 'a plugin of a newer contract is refused',
    run: refusal('load.abi-future', 'abi-future', (c) => c.options.plugins.abiFuture, 'incompatible'),
  },
  {
    about: 'a plugin asking for more than the host grants is refused',
    run: refusal('load.greedy', 'greedy', (c) => c.options.plugins.greedy, 'incompatible'),
  },
  {
    about: 'an artifact changed after signing is refused',
    run: refusal('load.tampered', 'textkit (tampered)', (c) => c.tampered, 'rejected'),
  },
  {
    about: 'Extism plugins: the same faults through an Extism SDK, a tampered module, a refused import',
    run: async (lane, c) =>
      c.options.plugins.extism ? extismChecks(lane, c.options.plugins.extism, c.options, c.policy, c.figure) : [],
  },
];

/**
 * Runs the safety matrix on each lane: every fault of `faulty` (each followed by a healthy
 * call that must succeed on the recycled instance), repeated timeouts, and loads that must
 * be refused (future ABI, greedy capabilities and limits, tampered artifacts).
 */
export async function runChecks(options: CheckOptions): Promise<{ checks: CheckResult[]; figures: CheckFigures[] }> {
  const log = options.log ?? (() => {});
  const policy: HostPolicy = {
    ...DEFAULT_POLICY,
    quotas: { ...DEFAULT_POLICY.quotas, memoryBytes: options.memoryQuotaBytes ?? CHECK_MEMORY_QUOTA_BYTES },
  };
  const checks: CheckResult[] = [];
  const figures: CheckFigures[] = [];
  const tampered = tamperedCopy(options.plugins.healthy);
  for (const laneId of options.lanes) {
    log(`checking ${laneName(laneId)}`);
    const context: MatrixContext = {
      options,
      policy,
      tampered,
      figure: { lane: laneName(laneId), overshootMs: [], recycles: [] },
    };
    for (const entry of SAFETY_MATRIX) checks.push(...(await entry.run(laneId, context)));
    figures.push(context.figure);
  }
  return { checks, figures };
}

/** Every fault of `faulty` on one lane, each followed by a healthy call, then repeated timeouts. */
async function faultChecks(laneId: LaneId, { options, policy, figure }: MatrixContext): Promise<CheckResult[]> {
  const name = laneName(laneId);
  const checks: CheckResult[] = [];
  const lane = await openLane(options.plugins.faulty, laneId, { trusted: options.trusted, policy });
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
      const deadline = fault.needsDeadline ? CHECK_DEADLINE_MS : BACKSTOP_DEADLINE_MS;
      const call = await callFault(lane, fault.op, figure, deadline);
      checks.push({ id: `fault.${fault.op}`, plugin: 'faulty', lane: name, ...judge(expectation, call) });
      const after = await lane.call(
        'echo',
        new Uint8Array([1, 2, 3]),
        lane.deadline.enforced ? { deadlineMs: BACKSTOP_DEADLINE_MS } : {},
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
  return checks;
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
  const healthy = await lane.call('echo', new Uint8Array([9]), { deadlineMs: BACKSTOP_DEADLINE_MS });
  const pass = kinds.every((k) => k === 'timeout') && healthy.outcome.ok;
  return [
    {
      id: 'deadline.repeated',
      ...base,
      status: pass ? 'pass' : 'fail',
      detail:
        `2nd and 3rd spins after a timeout: ${kinds.join(', ')}; then echo: ` +
        `${healthy.outcome.ok ? 'ok' : healthy.outcome.failure.kind}`,
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
          : `expected protocol and a healthy call after it, got ${got}; then ` +
            `${after.outcome.ok ? 'ok' : after.outcome.failure.kind}`,
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
    const problem = abiProblemOn(abiOfDir(dir), laneId);
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
        for (const input of inputPool(op.input, { sizesBytes: CONTRACT_SAMPLE_BYTES })) {
          const { outcome } = await lane.call(
            op.name,
            input,
            lane.deadline.enforced ? { deadlineMs: BACKSTOP_DEADLINE_MS } : {},
          );
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
            : `sample inputs of ${CONTRACT_SAMPLE_BYTES.slice(0, -1).join(', ')} and ` +
              `${CONTRACT_SAMPLE_BYTES.at(-1)} bytes end in ok or the plugin's own error`,
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
