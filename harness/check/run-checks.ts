import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginLoadError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import type { PluginMeta } from '../contract/provenance.ts';
import { openLane } from '../isolation/open-lane.ts';
import type { Lane, LaneCall, LaneId, Recycle } from '../lanes/lane.ts';
import { laneName } from '../lanes/lane.ts';
import { watchEventLoop } from '../measure/event-loop.ts';
import { inputPool } from '../load/inputs.ts';
import { abiOfDir, boundaryProblem } from '../abi/abi.ts';
import { extismChecks } from './extism-checks.ts';
import { BACKSTOP_DEADLINE_MS, CHECK_DEADLINE_MS, type Expectation, FAULTS, PROTOCOL_LIES } from './matrix.ts';

export type CheckStatus = 'pass' | 'fail' | 'unsupported';

/** One cell of the safety matrix, as results.json's `checks[]` holds it. */
export interface CheckResult {
  id: string;
  plugin: string;
  lane: string;
  status: CheckStatus;
  detail: string;
}

/** Figures measured while checking, for the report and the closing notes. */
export interface CheckFigures {
  lane: string;
  /** Deadline to timeout delivered, per timed-out call, in ms. */
  overshootMs: number[];
  recycles: Recycle[];
  /** The harness's event-loop delay while the plugin spun, p99 in ns. */
  eventLoopP99NsWhileSpinning?: number;
}

export interface CheckOptions {
  lanes: readonly LaneId[];
  /** Built plugin directories by fixture name: `faulty`, `liar`, `textkit`, `abi-future`, `greedy`. */
  plugins: {
    faulty: string;
    liar: string;
    healthy: string;
    abiFuture: string;
    greedy: string;
    extism?: { faulty: string; healthy: string };
  };
  trusted: readonly TrustedKey[];
  /** Memory quota for the fault checks, small so `hog` hits it fast. @default 64 MiB */
  memoryQuotaBytes?: number;
  log?: (line: string) => void;
}

const EMPTY = new Uint8Array();

export function judge(expectation: Expectation, call: LaneCall): { status: CheckStatus; detail: string } {
  if ('unsupported' in expectation) return { status: 'unsupported', detail: expectation.unsupported };
  const { outcome } = call;
  const got = outcome.ok ? 'ok' : `${outcome.failure.kind}: ${outcome.failure.message}`;
  if (outcome.ok || outcome.failure.kind !== expectation.expect)
    return { status: 'fail', detail: `expected ${expectation.expect}, got ${got}` };
  if (expectation.message && !expectation.message.test(outcome.failure.message))
    return { status: 'fail', detail: `expected a message matching ${expectation.message}, got ${got}` };
  const signal = 'signal' in outcome.failure ? outcome.failure.signal : undefined;
  if (expectation.signal && signal !== expectation.signal)
    return { status: 'fail', detail: `expected signal ${expectation.signal}, got ${signal ?? 'none'} (${got})` };
  return { status: 'pass', detail: got };
}

/** A copy of a built plugin with one byte of its native library flipped, plugin.json untouched. */
export function tamperedCopy(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'plugbench-tampered-'));
  cpSync(dir, copy, { recursive: true });
  const meta = JSON.parse(readFileSync(join(copy, 'plugin.json'), 'utf8')) as PluginMeta;
  for (const artifact of [
    meta.artifacts.wasm,
    meta.artifacts.native,
    ...(meta.artifacts.component?.transpiled ?? []),
  ]) {
    if (artifact === undefined) continue;
    const path = join(copy, artifact.file);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1]! ^= 0x01;
    writeFileSync(path, bytes);
  }
  return copy;
}

export async function refusalCheck(
  id: string,
  plugin: string,
  dir: string,
  lane: LaneId,
  expected: PluginLoadError['kind'],
  options: CheckOptions,
): Promise<CheckResult> {
  const name = laneName(lane);
  try {
    const opened = await openLane(dir, lane, { trusted: options.trusted });
    await opened.close();
    return {
      id,
      plugin,
      lane: name,
      status: 'fail',
      detail: `expected the load to be refused as ${expected}, but it was accepted`,
    };
  } catch (e) {
    if (!(e instanceof PluginLoadError)) throw e;
    const firstLine = e.message.split('\n')[0]!;
    return e.kind === expected
      ? { id, plugin, lane: name, status: 'pass', detail: `${e.kind}: ${firstLine}` }
      : { id, plugin, lane: name, status: 'fail', detail: `expected ${expected}, got ${e.kind}: ${firstLine}` };
  }
}

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

export async function callFault(
  lane: Lane,
  op: string,
  figure: CheckFigures,
  deadlineOnLane = CHECK_DEADLINE_MS,
): Promise<LaneCall> {
  const deadlineMs = lane.deadline.enforced ? deadlineOnLane : undefined;
  const watcher = op === 'spin' ? watchEventLoop() : undefined;
  const call = await lane.call(op, EMPTY, deadlineMs === undefined ? {} : { deadlineMs });
  if (watcher) figure.eventLoopP99NsWhileSpinning = watcher.stop().p99Ns;
  if (!call.outcome.ok && call.outcome.failure.kind === 'timeout' && deadlineMs !== undefined)
    figure.overshootMs.push(call.roundTripNs / 1e6 - deadlineMs);
  return call;
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
