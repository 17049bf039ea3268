import { checkKeys, fuzzKeys, isInformational } from './informational.ts';
import { erroredLabel, formatGateValue, formatSlope, formatTimed } from './format.ts';
import { type GateResult, isMeasured, type LaneResult, type Results } from './results.ts';

/** One thing a reader must look at: a failed or warned gate row, a failed check or fuzz property. */
export interface AttentionRow {
  status: 'fail' | 'warn';
  /** `gate latency.p99 < 50us`, `check fault.segv`, `fuzz no-leak`. */
  what: string;
  /** Scenario or plugin, then lane. */
  where: string;
  /** The measured value of a gate row, in its unit (`73.0 µs`, `+4.1%`, `n/a`); empty otherwise. */
  value: string;
  detail: string;
}

/** What the first screen of a report holds: the verdict's reasons, failed rows before warned ones. */
export interface Attention {
  rows: AttentionRow[];
  passedGate: GateResult[];
  /** `2 failed · 1 warned · 14 passed`. */
  counts: string;
}

const INFORMATIONAL = ' (informational: does not fail the run)';

export function attentionOf(results: Results): Attention {
  const rows: AttentionRow[] = [];
  for (const g of results.gate.filter((r) => r.status !== 'pass')) {
    const status = g.status as 'fail' | 'warn';
    const where = `${g.scenario} · ${g.lane}`;
    const what = `gate ${g.metric} ${g.threshold}`;
    rows.push({ status, what, where, value: formatGateValue(g), detail: g.detail ?? '' });
  }
  for (const c of results.checks.filter((r) => r.status === 'fail')) {
    const informational = isInformational(results.informational, checkKeys(c));
    const detail = `${c.detail}${informational ? INFORMATIONAL : ''}`;
    const where = `${c.plugin} · ${c.lane}`;
    rows.push({ status: informational ? 'warn' : 'fail', what: `check ${c.id}`, where, value: '', detail });
  }
  for (const f of results.fuzz?.failures ?? []) {
    const informational = isInformational(results.informational, fuzzKeys(f));
    const detail = `${f.message}${informational ? INFORMATIONAL : ''} — replay: ${f.replay}`;
    const where = `${f.plugin}/${f.op} · ${f.lane}`;
    rows.push({ status: informational ? 'warn' : 'fail', what: `fuzz ${f.property}`, where, value: '', detail });
  }
  rows.sort((a, b) => Number(a.status === 'warn') - Number(b.status === 'warn'));
  const passedGate = results.gate.filter((g) => g.status === 'pass');
  const passedChecks = results.checks.filter((c) => c.status === 'pass').length;
  const failed = rows.filter((r) => r.status === 'fail').length;
  const parts = [`${failed} failed`, `${rows.length - failed} warned`, `${passedGate.length + passedChecks} passed`];
  return { rows, passedGate, counts: parts.join(' · ') };
}

/**
 * A lane in one line: `p50 12.0 µs · p99 40.1 µs · no errors · 0.0 B/call · p50 +3.1% vs baseline`,
 * or why it has no figures.
 */
export function laneLine(lane: LaneResult, scenario: string, gate: readonly GateResult[]): string {
  if (!isMeasured(lane)) return erroredLabel(lane);
  const errors =
    Object.entries(lane.errors)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'no errors';
  const changes = gate
    .filter((g) => g.scenario === scenario && g.lane === lane.lane)
    .filter((g) => g.metric.startsWith('regression.') && g.value !== null)
    .map((g) => `${g.metric.slice('regression.'.length)} ${formatGateValue(g)} vs baseline`);
  const latency = [
    `p50 ${formatTimed(lane.latency, lane.latency.p50)}`,
    `p99 ${formatTimed(lane.latency, lane.latency.p99)}`,
  ];
  return [...latency, errors, formatSlope(lane.memory), ...changes].join(' · ');
}
