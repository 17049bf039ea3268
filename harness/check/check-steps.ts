import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginLoadError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import type { PluginMeta } from '../contract/provenance.ts';
import type { Lane, LaneCall, LaneId, Recycle } from '../isolations/lane.ts';
import { laneName } from '../isolations/lane.ts';
import { openLane } from '../lanes/open-lane.ts';
import { watchEventLoop } from '../measure/event-loop.ts';
import type { CheckResult, CheckStatus } from '../report/results.ts';
import { CHECK_DEADLINE_MS, type Expectation } from './matrix.ts';

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
  /** Memory quota for the fault checks, in bytes. @default CHECK_MEMORY_QUOTA_BYTES (run-checks.ts) */
  memoryQuotaBytes?: number;
  log?: (line: string) => void;
}

/** The input of a fault op. */
export const EMPTY = new Uint8Array();

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
