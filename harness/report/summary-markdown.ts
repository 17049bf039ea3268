import { checkKeys, fuzzKeys, isInformational } from '../gate/evaluate.ts';
import { formatBytes, formatGateValue, formatNs, formatRate, formatSlope, timingLabel } from './format.ts';
import type { LaneResult, Results } from './results.ts';

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function loadLabel(l: LaneResult['load']): string {
  const model = l.model === 'open' ? `open ${formatRate(l.rate ?? 0)}${l.corrected ? ', CO-corrected' : ''}` : l.model === 'closed' ? `closed ×${l.concurrency}` : 'ramp';
  return l.timing.mode === 'per-call' && l.driver !== 'go-host' ? model : `${model}, ${timingLabel(l)}`;
}

/** summary.md: verdict first, then what failed, then the figures; fit for a CI job summary. */
export function renderSummaryMarkdown(results: Results): string {
  const lines: string[] = [];
  const failedChecks = results.checks.filter((c) => c.status === 'fail');
  const failedGates = results.gate.filter((g) => g.status === 'fail');
  const failedFuzz = results.fuzz?.failures ?? [];
  lines.push(`# plugbench: ${results.verdict === 'pass' ? '✅ pass' : '❌ fail'}${results.interrupted ? ' (interrupted)' : ''}`, '');
  lines.push(`\`${results.command}\` · ${results.startedAt} · ${results.env.cpu}, ${results.env.cores} cores, Node ${results.env.node} · fingerprint \`${results.env.fingerprint}\``, '');
  if (failedGates.length + failedChecks.length + failedFuzz.length > 0) {
    lines.push(results.verdict === 'fail' ? '## Why it failed' : '## Reported, not failing', '');
    for (const g of failedGates) lines.push(`- gate \`${g.metric} ${g.threshold}\` on ${g.scenario} / ${g.lane}: ${formatGateValue(g)}${g.detail ? ` — ${g.detail}` : ''}`);
    const note = (informational: boolean) => (informational ? ' (informational: does not fail the run)' : '');
    for (const c of failedChecks) lines.push(`- check \`${c.id}\` on ${c.lane} (${c.plugin})${note(isInformational(results.informational, checkKeys(c)))}: ${escape(c.detail)}`);
    for (const f of failedFuzz) lines.push(`- fuzz \`${f.property}\` on ${f.plugin}/${f.op} ${f.lane}${note(isInformational(results.informational, fuzzKeys(f)))}: ${escape(f.message)} — replay: \`${f.replay}\``);
    lines.push('');
  }
  for (const scenario of results.scenarios) {
    lines.push(`## ${scenario.id}`, '', '| lane | load | calls | p50 | p99 | p99.9 | max | errors | mem slope/call |', '|---|---|---:|---:|---:|---:|---:|---|---:|');
    for (const lane of scenario.lanes) {
      const errors = Object.entries(lane.errors).map(([k, n]) => `${k} ${n}`).join(', ') || '0';
      lines.push(`| ${lane.lane} | ${loadLabel(lane.load)} | ${lane.load.calls} | ${formatNs(lane.latency.p50)} | ${formatNs(lane.latency.p99)} | ${formatNs(lane.latency.p999)} | ${formatNs(lane.latency.max)} | ${errors} | ${formatSlope(lane.memory)} |`);
    }
    lines.push('');
  }
  if (results.boundary && results.boundary.length > 0) {
    lines.push('## Boundary cost (echo, one caller)', '', '| lane | timed by | payload | mean | p99 | ns/byte | ±rme |', '|---|---|---:|---:|---:|---:|---:|');
    for (const row of results.boundary) lines.push(`| ${row.lane} | ${row.timedBy ?? 'tinybench'} | ${formatBytes(row.sizeBytes)} | ${formatNs(row.meanNs)} | ${formatNs(row.p99Ns)} | ${row.nsPerByte === undefined ? '' : row.nsPerByte.toFixed(3)} | ${row.rmePercent.toFixed(1)}% |`);
    lines.push('');
  }
  if (results.checks.length > 0) {
    const count = (s: string) => results.checks.filter((c) => c.status === s).length;
    lines.push(`## Safety checks: ${count('pass')} pass, ${count('fail')} fail, ${count('unsupported')} unsupported`, '', '| check | lane | status | detail |', '|---|---|---|---|');
    for (const c of results.checks) lines.push(`| ${c.id} | ${c.lane} | ${c.status} | ${escape(c.detail).slice(0, 160)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
