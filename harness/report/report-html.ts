import { LatencyHistogram } from '../measure/latency.ts';
import { pluginBytes } from '../measure/memory.ts';
import {
  erroredLabel,
  formatBytes,
  formatGateValue,
  formatNs,
  formatSlope,
  formatTimed,
  timingLabel,
} from './format.ts';
import { attentionOf, laneLine } from './attention.ts';
import {
  type GateResult,
  isMeasured,
  type LaneResult,
  type LatencyRecord,
  type MeasuredLane,
  type Results,
} from './results.ts';
import { lineChart, PERCENTILE_TICKS, percentileX } from './svg-chart.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

function curve(record: LatencyRecord): Array<[number, number]> {
  const histogram = LatencyHistogram.decode(record.hdr);
  const points = PERCENTILES.map((p): [number, number] => [
    percentileX(Math.min(p, 99.999)),
    histogram.percentileNs(p),
  ]);
  histogram.destroy();
  return points;
}

function ticksFor(max: number, count = 5): Array<[number, string]> {
  return Array.from({ length: count + 1 }, (_, i): [number, string] => [
    (max * i) / count,
    ((max * i) / count).toFixed(max < 10 ? 1 : 0),
  ]);
}

/** Where a lane's instance was replaced between two memory samples: the slope is fitted on each side apart. */
function replacementMarks(lane: MeasuredLane): Array<{ x: number; label: string }> {
  const samples = lane.memory.samples;
  return samples.slice(1).flatMap((s, i) => {
    const replaced = (s.replacements ?? 0) - (samples[i]!.replacements ?? 0);
    return replaced > 0
      ? [
          {
            x: (samples[i]!.calls + s.calls) / 2,
            label:
              `${lane.lane}: instance replaced${replaced > 1 ? ` ${replaced} times` : ''} ` +
              `between calls ${samples[i]!.calls} and ${s.calls}`,
          },
        ]
      : [];
  });
}

/** The lanes of a scenario side by side: latency by percentile and over time, memory over calls and time. */
function laneCharts(lanes: MeasuredLane[]): string {
  const maxS = Math.max(1, ...lanes.flatMap((l) => (l.timeline ?? []).map((t) => t.tMs))) / 1000;
  const charts = [distributionChart(lanes), p99OverTimeChart(lanes, maxS), memoryOverCallsChart(lanes)];
  return `<div class="charts">${charts.join('')}${rssOverTimeChart(lanes, maxS)}</div>`;
}

function distributionChart(lanes: MeasuredLane[]): string {
  return lineChart(
    lanes.flatMap((l) => [
      { name: l.lane, points: curve(l.latency) },
      ...(l.latencyUncorrected
        ? [{ name: `${l.lane} uncorrected`, points: curve(l.latencyUncorrected), dashed: true, colorKey: l.lane }]
        : []),
    ]),
    {
      title: 'Latency by percentile (HDR; tail axis log-scaled; dashed = not corrected for coordinated omission)',
      xLabel: 'percentile',
      yLabel: 'latency',
      xTicks: PERCENTILE_TICKS,
      formatY: formatNs,
      logY: true,
    },
  );
}

function p99OverTimeChart(lanes: MeasuredLane[], maxS: number): string {
  return lineChart(
    lanes.flatMap((l) => [
      { name: `${l.lane} p99`, points: (l.timeline ?? []).map((t): [number, number] => [t.tMs / 1000, t.p99Ns]) },
    ]),
    {
      title: 'p99 as the run went (cumulative)',
      xLabel: 'seconds',
      yLabel: 'p99',
      xTicks: ticksFor(maxS),
      formatY: formatNs,
      logY: true,
    },
  );
}

/** Calls as `1.5k` or `2.0M` on an axis. */
const callsLabel = (x: number) =>
  x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(x < 1e4 ? 1 : 0)}k` : x.toFixed(0);

function memoryOverCallsChart(lanes: MeasuredLane[]): string {
  const maxCalls = Math.max(1, ...lanes.flatMap((l) => l.memory.samples.map((s) => s.calls)));
  return lineChart(
    lanes.map((l) => ({
      name: l.lane,
      points: l.memory.samples.map((s): [number, number] => [s.calls, pluginBytes(s)]),
    })),
    {
      title: 'Plugin memory over calls (linear memory for wasm; malloc in use for native; dotted = instance replaced)',
      xLabel: 'calls',
      yLabel: 'bytes',
      formatY: formatBytes,
      marks: lanes.flatMap(replacementMarks),
      xTicks: ticksFor(maxCalls).map(([x]) => [x, callsLabel(x)]),
    },
  );
}

function rssOverTimeChart(lanes: MeasuredLane[], maxS: number): string {
  const goHeap = (l: MeasuredLane) =>
    l.memory.samples.some((s) => s.childGoHeapBytes !== undefined)
      ? [
          {
            name: `${l.lane} Go heap`,
            points: l.memory.samples.map((s): [number, number] => [s.tMs / 1000, s.childGoHeapBytes ?? 0]),
            dashed: true,
            colorKey: l.lane,
          },
        ]
      : [];
  return lineChart(
    lanes.flatMap((l) => [
      {
        name: l.lane,
        points: l.memory.samples.map((s): [number, number] => [s.tMs / 1000, s.childRssBytes ?? s.rssBytes]),
      },
      ...goHeap(l),
    ]),
    {
      title:
        'RSS of the process holding the plugin over time (the harness, its child, or the Go host; dashed = Go heap)',
      xLabel: 'seconds',
      yLabel: 'bytes',
      xTicks: ticksFor(maxS),
      formatY: formatBytes,
    },
  );
}

/** Edges the guided loop had reached over its run, one line per lane. */
function edgesChart(p: NonNullable<Results['fuzz']>['properties'][number]): string {
  const series = Object.entries(p.edgesOverTime ?? {}).map(([lane, points]) => ({
    name: lane,
    points: points.map((q): [number, number] => [q.tMs / 1000, q.edges]),
  }));
  const maxS = Math.max(1, ...series.flatMap((x) => x.points.map(([t]) => t)));
  return lineChart(series, {
    title: `${p.plugin} ${p.op}: edges reached, guided`,
    xLabel: 's',
    yLabel: 'edges',
    xTicks: ticksFor(maxS),
    formatY: (y) => y.toFixed(0),
  });
}

/** A cell and a row of HTML (escape text before); `attributes` start with a space. */
const td = (html: string, attributes = '') => `<td${attributes}>${html}</td>`;
const tr = (cells: readonly string[], attributes = '') => `<tr${attributes}>${cells.join('')}</tr>`;
const row = (cells: readonly string[]) => tr(cells.map((c) => td(c)));
const headRow = (names: readonly string[]) => `<tr>${names.map((n) => `<th>${n}</th>`).join('')}</tr>`;
const table = (head: readonly string[], rows: readonly string[], cls?: string) =>
  `<table${cls ? ` class="${cls}"` : ''}>${headRow(head)}${rows.join('')}</table>`;

const LANE_COLUMNS = ['lane', 'load', 'calls', 'p50', 'p99', 'p99.9', 'max', 'inner p50', 'errors', 'memory/call'];

function laneTable(lanes: LaneResult[]): string {
  const rows = lanes.map((l) => {
    if (!isMeasured(l))
      return `<tr><td>${esc(l.lane)}</td><td class="fail" colspan="10">${esc(erroredLabel(l))}</td></tr>`;
    const errors =
      Object.entries(l.errors)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || '0';
    const model =
      l.load.model === 'open'
        ? `open ${l.load.rate}/s${l.load.corrected ? ', corrected' : ''}`
        : l.load.model === 'closed'
          ? `closed ×${l.load.concurrency}`
          : `ramp (sustained ${l.sustainedRate ?? 'none'}/s)`;
    const latency = [l.latency.p50, l.latency.p99, l.latency.p999, l.latency.max].map((ns) =>
      formatTimed(l.latency, ns),
    );
    const cells = [esc(l.lane), `${esc(model)}, ${esc(timingLabel(l.load))}`, String(l.load.calls), ...latency];
    const inner = l.latencyInner ? formatNs(l.latencyInner.p50) : '';
    return tr([
      ...[...cells, inner, esc(errors)].map((c) => td(c)),
      td(formatSlope(l.memory), ` title="${esc(l.memory.slopeReason ?? '')}"`),
      td(formatNs(l.eventLoopDelay.p99Ns)),
    ]);
  });
  return table([...LANE_COLUMNS, 'event loop p99'], rows);
}

function safetyMatrix(results: Results): string {
  if (results.checks.length === 0) return '';
  const lanes = [...new Set(results.checks.map((c) => c.lane))];
  const ids = [...new Set(results.checks.map((c) => c.id))];
  const cell = (id: string, lane: string) => {
    const c = results.checks.find((x) => x.id === id && x.lane === lane);
    return c
      ? `<td class="${c.status}" title="${esc(c.detail)}">${c.status === 'unsupported' ? 'n/a' : c.status}</td>`
      : '<td></td>';
  };
  const intro =
    '<p>Hover a cell for the outcome; <span class="unsupported">n/a</span> means the lane cannot enforce it, ' +
    'with the reason.</p>';
  const rows = ids.map((id) => `<tr><td>${esc(id)}</td>${lanes.map((l) => cell(id, l)).join('')}</tr>`);
  return `<h2>Safety matrix</h2>${intro}${table(['check', ...lanes.map(esc)], rows, 'matrix')}`;
}

const GATE_COLUMNS = ['status', 'scenario', 'lane', 'metric', 'threshold', 'value', 'baseline', 'detail'];

function gateTable(rows: readonly GateResult[]): string {
  const gateRow = (g: GateResult) => {
    const baseline = g.baseline === undefined ? '' : formatNs(g.baseline);
    const cells = [g.scenario, g.lane, g.metric, g.threshold].map(esc);
    const figures = [...cells, formatGateValue(g), baseline, esc(g.detail ?? '')];
    return tr([td(g.status, ` class="${g.status}"`), ...figures.map((c) => td(c))]);
  };
  return table(GATE_COLUMNS, rows.map(gateRow));
}

/** The first screen: the verdict, then only what needs attention (failed, then warned); passing rows fold away. */
function firstScreen(results: Results): string {
  const { rows, passedGate, counts } = attentionOf(results);
  const interrupted = results.interrupted ? ' (interrupted)' : '';
  const title = `plugbench: ${results.verdict === 'pass' ? 'PASS' : 'FAIL'}${interrupted}`;
  const verdict =
    `<header id="verdict" class="${results.verdict}"><h1>${title} <small>${counts}</small></h1>` +
    `<p><code>${esc(results.command)}</code> · ${esc(results.startedAt)}</p></header>`;
  const note = results.regressionsNotJudged
    ? `<p class="note">${esc(results.regressionsNotJudged).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`
    : '';
  const attentionRow = (r: (typeof rows)[number]) =>
    tr(
      [td(r.status, ` class="${r.status}"`), ...[r.what, r.where, r.value, r.detail].map((c) => td(esc(c)))],
      ` data-attention="${r.status}"`,
    );
  const attentionTable = () =>
    table(['status', 'what', 'where', 'value', 'detail'], rows.map(attentionRow), 'attention');
  const attention = rows.length === 0 ? '' : `<h2>Needs attention</h2>${attentionTable()}`;
  const passed =
    passedGate.length === 0
      ? ''
      : `<details><summary>${passedGate.length} passing gate row${passedGate.length === 1 ? '' : 's'}</summary>` +
        `${gateTable(passedGate)}</details>`;
  return `${verdict}${note}${attention}${passed}`;
}

/** A scenario: one line per lane, its charts, and every figure folded. */
function scenarioSection(scenario: Results['scenarios'][number], gate: readonly GateResult[]): string {
  const lines = scenario.lanes
    .map((l) => {
      const failed = isMeasured(l) ? '' : ' class="fail"';
      return `<li${failed}><b>${esc(l.lane)}</b>: ${esc(laneLine(l, scenario.id, gate))}</li>`;
    })
    .join('');
  const input = scenario.inputSizeBytes !== undefined ? ` · ${formatBytes(scenario.inputSizeBytes)} input` : '';
  const heading = `<h2>${esc(scenario.id)} <small>${esc(scenario.plugin)} · ${esc(scenario.op)}${input}</small></h2>`;
  const figures = `<details><summary>every figure</summary>${laneTable(scenario.lanes)}</details>`;
  const charts = laneCharts(scenario.lanes.filter(isMeasured));
  return `<section>${heading}<ul class="lanes">${lines}</ul>${charts}${figures}</section>`;
}

function boundarySection(boundary: NonNullable<Results['boundary']>): string {
  const sizes = [...new Set(boundary.map((b) => b.sizeBytes))];
  const lanes = [...new Set(boundary.map((b) => b.lane))];
  const intro =
    '<p>Mean ns per <code>echo</code> call, one caller, and ns per extra byte: a round trip from the harness ' +
    "(tinybench), or the Go host's own loop next to the plugin (<code>@go</code> lanes).</p>";
  const laneRow = (lane: string) => {
    const rows = boundary.filter((b) => b.lane === lane);
    const means = sizes.map((s) => formatNs(rows.find((b) => b.sizeBytes === s)?.meanNs ?? Number.NaN));
    const timedBy = rows[0]?.timedBy ?? 'tinybench';
    return row([esc(lane), esc(timedBy), ...means, rows.at(-1)?.nsPerByte?.toFixed(3) ?? '']);
  };
  const head = ['lane', 'timed by', ...sizes.map(formatBytes), 'ns/byte'];
  return `<h2>Boundary cost</h2>${intro}${table(head, lanes.map(laneRow))}`;
}

const FUZZ_COLUMNS = ['plugin', 'op', 'properties', 'runs', 'status', 'executions/s', 'mode', 'edges'];

function fuzzSection(fuzz: NonNullable<Results['fuzz']>): string {
  const propertyRow = (p: (typeof fuzz.properties)[number]) => {
    const guided = Object.entries(p.guidedExecsPerSecByLane ?? {}).map(([l, n]) => [`${l} guided`, n]);
    const execs = Object.entries({ ...p.execsPerSecByLane, ...Object.fromEntries(guided) })
      .map(([l, n]) => `${l} ${n}`)
      .join(', ');
    const edges = Object.entries(p.coverageByLane ?? {})
      .map(([l, c]) => `${l} ${c.edgesSeen}/${c.edgesTotal}`)
      .join(', ');
    return tr([
      ...[esc(p.plugin), esc(p.op), esc(p.property), String(p.runs)].map((c) => td(c)),
      td(p.status, ` class="${p.status}"`),
      td(esc(execs)),
      td(esc(p.mode ?? ''), ` title="${esc(p.why ?? '')}"`),
      td(esc(edges)),
    ]);
  };
  const charts = fuzz.properties
    .filter((p) => p.edgesOverTime)
    .map(edgesChart)
    .join('');
  const findings = fuzz.failures
    .map(
      (f) =>
        `<div class="finding"><b>${esc(f.property)}</b> on ${esc(f.plugin)} ${esc(f.op)} (${esc(f.lane)}): ` +
        `${esc(f.message)}<pre>${esc(f.replay)}</pre></div>`,
    )
    .join('');
  const intro = `<p>seed ${fuzz.seed}, ${fuzz.runs} runs.</p>`;
  return `<h2>Fuzzing</h2>${intro}${table(FUZZ_COLUMNS, fuzz.properties.map(propertyRow))}${charts}${findings}`;
}

const CSS = [
  'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111}',
  'header{padding:8px 16px;border-radius:6px}header.pass{background:#dcfce7}header.fail{background:#fee2e2}',
  'table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}',
  '.pass{background:#dcfce7}.fail{background:#fecaca}.warn{background:#fef9c3}',
  '.unsupported{background:#e5e7eb;color:#555}',
  '.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{margin:0}.chart svg text{font-size:11px}',
  '.grid{stroke:#eee}.axis{fill:#555}figcaption{font-weight:600;font-size:12px}',
  '.finding{border-left:4px solid #dc2626;padding:4px 8px;margin:8px 0}pre{background:#f4f4f5;padding:4px}',
  'small{color:#666;font-weight:normal}.note{padding:4px 8px;background:#f4f4f5;border-radius:4px}',
  'ul.lanes{margin:4px 0 8px;padding-left:20px}details{margin:8px 0}summary{cursor:pointer;color:#333}',
].join('');

// The one script counts the charts, and the rows needing attention below the first screen,
// once the page is parsed; the report tests read both back.
const SCRIPT = [
  "document.body.dataset.charts=String(document.querySelectorAll('figure.chart svg path').length);",
  "document.body.dataset.belowFirstScreen=String([document.getElementById('verdict'),",
  "...document.querySelectorAll('[data-attention]')]",
  '.filter((e)=>e.getBoundingClientRect().bottom>innerHeight).length);',
].join('');

/** report.html: one self-contained file (inline CSS and SVG, no fetches), verdict first. */
export function renderHtml(results: Results): string {
  const sections: string[] = [firstScreen(results)];
  for (const scenario of results.scenarios) sections.push(scenarioSection(scenario, results.gate));
  if (results.boundary?.length) sections.push(boundarySection(results.boundary));
  sections.push(safetyMatrix(results));
  if (results.fuzz) sections.push(fuzzSection(results.fuzz));
  const env = Object.entries(results.env).map(([k, v]) => row([esc(k), esc(String(v))]));
  sections.push(`<h2>Environment</h2><table>${env.join('')}</table>`);
  const head = `<meta charset="utf-8"><title>plugbench ${results.verdict}</title><style>${CSS}</style>`;
  const body = `${sections.join('\n')}<script>${SCRIPT}</script>`;
  return `<!doctype html><html lang="en"><head>${head}</head><body>${body}</body></html>\n`;
}
