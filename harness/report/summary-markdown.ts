import { attentionOf, laneLine } from './attention.ts';
import {
  erroredLabel,
  formatBytes,
  formatGateValue,
  formatNs,
  formatRate,
  formatSlope,
  timingLabel,
} from './format.ts';
import { isMeasured, type MeasuredLane, type Results } from './results.ts';

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function loadLabel(l: MeasuredLane['load']): string {
  const model =
    l.model === 'open'
      ? `open ${formatRate(l.rate ?? 0)}${l.corrected ? ', CO-corrected' : ''}`
      : l.model === 'closed'
        ? `closed ×${l.concurrency}`
        : 'ramp';
  return l.timing.mode === 'per-call' && l.driver !== 'go-host' ? model : `${model}, ${timingLabel(l)}`;
}

/** summary.md: the verdict, then only what needs attention, then the figures; fit for a CI job summary. */
export function renderSummaryMarkdown(results: Results): string {
  const lines: string[] = [];
  const { rows, passedGate, counts } = attentionOf(results);
  lines.push(
    `# plugbench: ` +
      `${results.verdict === 'pass' ? '✅ pass' : '❌ fail'}${results.interrupted ? ' (interrupted)' : ''} — ${counts}`,
    '',
  );
  lines.push(
    `\`${results.command}\` · ${results.startedAt} · ${results.env.cpu}, ${results.env.cores} cores, Node ` +
      `${results.env.node} · fingerprint \`${results.env.fingerprint}\``,
    '',
  );
  if (results.regressionsNotJudged) lines.push(`> ${results.regressionsNotJudged}`, '');
  if (rows.length > 0) {
    lines.push('## Needs attention', '', '| status | what | where | value | detail |', '|---|---|---|---:|---|');
    for (const r of rows)
      lines.push(
        `| ${r.status === 'fail' ? '❌ fail' : '⚠️ warn'} | ${escape(r.what)} | ${escape(r.where)} | ${r.value} | ` +
          `${escape(r.detail)} |`,
      );
    lines.push('');
  }
  if (passedGate.length > 0) {
    lines.push(
      `<details><summary>${passedGate.length} passing gate row${passedGate.length === 1 ? '' : 's'}</summary>`,
      '',
      '| scenario | lane | metric | threshold | value |',
      '|---|---|---|---|---:|',
    );
    for (const g of passedGate)
      lines.push(`| ${g.scenario} | ${g.lane} | ${g.metric} | ${escape(g.threshold)} | ${formatGateValue(g)} |`);
    lines.push('', '</details>', '');
  }
  for (const scenario of results.scenarios) {
    lines.push(`## ${scenario.id}`, '');
    for (const lane of scenario.lanes) lines.push(`- **${lane.lane}**: ${laneLine(lane, scenario.id, results.gate)}`);
    lines.push(
      '',
      '<details><summary>every figure</summary>',
      '',
      '| lane | load | calls | p50 | p99 | p99.9 | max | errors | mem slope/call |',
      '|---|---|---:|---:|---:|---:|---:|---|---:|',
    );
    for (const lane of scenario.lanes) {
      if (!isMeasured(lane)) {
        lines.push(`| ${lane.lane} | ❌ ${escape(erroredLabel(lane))} | | | | | | | |`);
        continue;
      }
      const errors =
        Object.entries(lane.errors)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || '0';
      lines.push(
        `| ${lane.lane} | ${loadLabel(lane.load)} | ${lane.load.calls} | ${formatNs(lane.latency.p50)} | ` +
          `${formatNs(lane.latency.p99)} | ${formatNs(lane.latency.p999)} | ${formatNs(lane.latency.max)} | ` +
          `${errors} | ${formatSlope(lane.memory)} |`,
      );
    }
    lines.push('', '</details>', '');
  }
  if (results.boundary && results.boundary.length > 0) {
    lines.push(
      '## Boundary cost (echo, one caller)',
      '',
      '| lane | timed by | payload | mean | p99 | ns/byte | ±rme |',
      '|---|---|---:|---:|---:|---:|---:|',
    );
    for (const row of results.boundary)
      lines.push(
        `| ${row.lane} | ${row.timedBy ?? 'tinybench'} | ${formatBytes(row.sizeBytes)} | ${formatNs(row.meanNs)} ` +
          `| ${formatNs(row.p99Ns)} | ${row.nsPerByte === undefined ? '' : row.nsPerByte.toFixed(3)} | ` +
          `${row.rmePercent.toFixed(1)}% |`,
      );
    lines.push('');
  }
  if (results.checks.length > 0) {
    const count = (s: string) => results.checks.filter((c) => c.status === s).length;
    lines.push(
      `## Safety checks: ${count('pass')} pass, ${count('fail')} fail, ${count('unsupported')} unsupported`,
      '',
      '<details><summary>every check</summary>',
      '',
      '| check | lane | status | detail |',
      '|---|---|---|---|',
    );
    for (const c of results.checks)
      lines.push(`| ${c.id} | ${c.lane} | ${c.status} | ${escape(c.detail).slice(0, 160)} |`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n')}\n`;
}
