import { type Attention, attentionOf, laneLine } from './attention.ts';
import {
  erroredLabel,
  formatBytes,
  formatGateValue,
  formatNs,
  formatRate,
  formatSlope,
  formatTimed,
  timingLabel,
} from './format.ts';
import {
  type GateResult,
  isMeasured,
  type LaneResult,
  type MeasuredLane,
  type Results,
  type ScenarioResult,
} from './results.ts';

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
  const { rows, passedGate, counts } = attentionOf(results);
  const lines = [
    ...header(results, counts),
    ...attention(rows),
    ...passedGateRows(passedGate),
    ...results.scenarios.flatMap((scenario) => scenarioLines(scenario, results.gate)),
    ...(results.boundary && results.boundary.length > 0 ? boundaryLines(results.boundary) : []),
    ...(results.checks.length > 0 ? checkLines(results.checks) : []),
  ];
  return `${lines.join('\n')}\n`;
}

function header(results: Results, counts: string): string[] {
  const verdict = `${results.verdict === 'pass' ? '✅ pass' : '❌ fail'}${results.interrupted ? ' (interrupted)' : ''}`;
  const { env } = results;
  return [
    `# plugbench: ${verdict} — ${counts}`,
    '',
    `\`${results.command}\` · ${results.startedAt} · ${env.cpu}, ${env.cores} cores, Node ${env.node} · ` +
      `fingerprint \`${env.fingerprint}\``,
    '',
    ...(results.regressionsNotJudged ? [`> ${results.regressionsNotJudged}`, ''] : []),
  ];
}

function attention(rows: Attention['rows']): string[] {
  if (rows.length === 0) return [];
  const row = (r: Attention['rows'][number]) =>
    `| ${r.status === 'fail' ? '❌ fail' : '⚠️ warn'} | ${escape(r.what)} | ${escape(r.where)} | ${r.value} | ` +
    `${escape(r.detail)} |`;
  return [
    '## Needs attention',
    '',
    '| status | what | where | value | detail |',
    '|---|---|---|---:|---|',
    ...rows.map(row),
    '',
  ];
}

function passedGateRows(passed: readonly GateResult[]): string[] {
  if (passed.length === 0) return [];
  return [
    `<details><summary>${passed.length} passing gate row${passed.length === 1 ? '' : 's'}</summary>`,
    '',
    '| scenario | lane | metric | threshold | value |',
    '|---|---|---|---|---:|',
    ...passed.map(
      (g) => `| ${g.scenario} | ${g.lane} | ${g.metric} | ${escape(g.threshold)} | ${formatGateValue(g)} |`,
    ),
    '',
    '</details>',
    '',
  ];
}

function scenarioLines(scenario: ScenarioResult, gate: readonly GateResult[]): string[] {
  const figures = (lane: LaneResult) => {
    if (!isMeasured(lane)) return `| ${lane.lane} | ❌ ${escape(erroredLabel(lane))} | | | | | | | |`;
    const errors =
      Object.entries(lane.errors)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || '0';
    const { p50, p99, p999, max } = lane.latency;
    const latency = [p50, p99, p999, max].map((ns) => formatTimed(lane.latency, ns)).join(' | ');
    const cells = [lane.lane, loadLabel(lane.load), lane.load.calls, latency, errors, formatSlope(lane.memory)];
    return `| ${cells.join(' | ')} |`;
  };
  return [
    `## ${scenario.id}`,
    '',
    ...scenario.lanes.map((lane) => `- **${lane.lane}**: ${laneLine(lane, scenario.id, gate)}`),
    '',
    '<details><summary>every figure</summary>',
    '',
    '| lane | load | calls | p50 | p99 | p99.9 | max | errors | mem slope/call |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|',
    ...scenario.lanes.map(figures),
    '',
    '</details>',
    '',
  ];
}

function boundaryLines(boundary: NonNullable<Results['boundary']>): string[] {
  const row = (r: (typeof boundary)[number]) =>
    `| ${r.lane} | ${r.timedBy ?? 'tinybench'} | ${formatBytes(r.sizeBytes)} | ${formatNs(r.meanNs)} ` +
    `| ${formatNs(r.p99Ns)} | ${r.nsPerByte === undefined ? '' : r.nsPerByte.toFixed(3)} | ` +
    `${r.rmePercent.toFixed(1)}% |`;
  return [
    '## Boundary cost (echo, one caller)',
    '',
    '| lane | timed by | payload | mean | p99 | ns/byte | ±rme |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...boundary.map(row),
    '',
  ];
}

function checkLines(checks: Results['checks']): string[] {
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  return [
    `## Safety checks: ${count('pass')} pass, ${count('fail')} fail, ${count('unsupported')} unsupported`,
    '',
    '<details><summary>every check</summary>',
    '',
    '| check | lane | status | detail |',
    '|---|---|---|---|',
    ...checks.map((c) => `| ${c.id} | ${c.lane} | ${c.status} | ${escape(c.detail).slice(0, 160)} |`),
    '',
    '</details>',
    '',
  ];
}
