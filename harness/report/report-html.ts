import { LatencyHistogram } from '../measure/latency.ts';
import { pluginBytes } from '../measure/memory.ts';
import { erroredLabel, formatBytes, formatGateValue, formatNs, formatSlope, timingLabel } from './format.ts';
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
            label: `${lane.lane}: instance replaced${replaced > 1 ? ` ${replaced} times` : ''} between calls ${samples[i]!.calls} and ${s.calls}`,
          },
        ]
      : [];
  });
}

function laneCharts(lanes: MeasuredLane[]): string {
  const distribution = lineChart(
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
  const maxT = Math.max(1, ...lanes.flatMap((l) => (l.timeline ?? []).map((t) => t.tMs))) / 1000;
  const overTime = lineChart(
    lanes.flatMap((l) => [
      { name: `${l.lane} p99`, points: (l.timeline ?? []).map((t): [number, number] => [t.tMs / 1000, t.p99Ns]) },
    ]),
    {
      title: 'p99 as the run went (cumulative)',
      xLabel: 'seconds',
      yLabel: 'p99',
      xTicks: ticksFor(maxT),
      formatY: formatNs,
      logY: true,
    },
  );
  const maxCalls = Math.max(1, ...lanes.flatMap((l) => l.memory.samples.map((s) => s.calls)));
  const memory = lineChart(
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
      xTicks: ticksFor(maxCalls).map(([x]) => [
        x,
        x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(x < 1e4 ? 1 : 0)}k` : x.toFixed(0),
      ]),
    },
  );
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
  const overMemoryTime = lineChart(
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
      xTicks: ticksFor(maxT),
      formatY: formatBytes,
    },
  );
  return `<div class="charts">${distribution}${overTime}${memory}${overMemoryTime}</div>`;
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
    return `<tr><td>${esc(l.lane)}</td><td>${esc(model)}, ${esc(timingLabel(l.load))}</td><td>${l.load.calls}</td><td>${formatNs(l.latency.p50)}</td><td>${formatNs(l.latency.p99)}</td><td>${formatNs(l.latency.p999)}</td><td>${formatNs(l.latency.max)}</td><td>${l.latencyInner ? formatNs(l.latencyInner.p50) : ''}</td><td>${esc(errors)}</td><td title="${esc(l.memory.slopeReason ?? '')}">${formatSlope(l.memory)}</td><td>${formatNs(l.eventLoopDelay.p99Ns)}</td></tr>`;
  });
  return `<table><tr><th>lane</th><th>load</th><th>calls</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>inner p50</th><th>errors</th><th>memory/call</th><th>event loop p99</th></tr>${rows.join('')}</table>`;
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
  return `<h2>Safety matrix</h2><p>Hover a cell for the outcome; <span class="unsupported">n/a</span> means the lane cannot enforce it, with the reason.</p><table class="matrix"><tr><th>check</th>${lanes.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>${ids.map((id) => `<tr><td>${esc(id)}</td>${lanes.map((l) => cell(id, l)).join('')}</tr>`).join('')}</table>`;
}

function gateTable(rows: readonly GateResult[]): string {
  return `<table><tr><th>status</th><th>scenario</th><th>lane</th><th>metric</th><th>threshold</th><th>value</th><th>baseline</th><th>detail</th></tr>${rows.map((g) => `<tr><td class="${g.status}">${g.status}</td><td>${esc(g.scenario)}</td><td>${esc(g.lane)}</td><td>${esc(g.metric)}</td><td>${esc(g.threshold)}</td><td>${formatGateValue(g)}</td><td>${g.baseline === undefined ? '' : formatNs(g.baseline)}</td><td>${esc(g.detail ?? '')}</td></tr>`).join('')}</table>`;
}

/** The first screen: the verdict, then only what needs attention (failed, then warned); passing rows fold into a count. */
function firstScreen(results: Results): string {
  const { rows, passedGate, counts } = attentionOf(results);
  const verdict = `<header id="verdict" class="${results.verdict}"><h1>plugbench: ${results.verdict === 'pass' ? 'PASS' : 'FAIL'}${results.interrupted ? ' (interrupted)' : ''} <small>${counts}</small></h1><p><code>${esc(results.command)}</code> · ${esc(results.startedAt)}</p></header>`;
  const note = results.regressionsNotJudged
    ? `<p class="note">${esc(results.regressionsNotJudged).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`
    : '';
  const attention =
    rows.length === 0
      ? ''
      : `<h2>Needs attention</h2><table class="attention"><tr><th>status</th><th>what</th><th>where</th><th>value</th><th>detail</th></tr>${rows.map((r) => `<tr data-attention="${r.status}"><td class="${r.status}">${r.status}</td><td>${esc(r.what)}</td><td>${esc(r.where)}</td><td>${esc(r.value)}</td><td>${esc(r.detail)}</td></tr>`).join('')}</table>`;
  const passed =
    passedGate.length === 0
      ? ''
      : `<details><summary>${passedGate.length} passing gate row${passedGate.length === 1 ? '' : 's'}</summary>${gateTable(passedGate)}</details>`;
  return `${verdict}${note}${attention}${passed}`;
}

/** report.html: one self-contained file (inline CSS and SVG, no fetches), verdict first. */
export function renderHtml(results: Results): string {
  const sections: string[] = [firstScreen(results)];
  for (const scenario of results.scenarios) {
    const lines = scenario.lanes
      .map((l) => {
        const failed = isMeasured(l) ? '' : ' class="fail"';
        return `<li${failed}><b>${esc(l.lane)}</b>: ${esc(laneLine(l, scenario.id, results.gate))}</li>`;
      })
      .join('');
    const input = scenario.inputSizeBytes !== undefined ? ` · ${formatBytes(scenario.inputSizeBytes)} input` : '';
    const title = `<h2>${esc(scenario.id)} <small>${esc(scenario.plugin)} · ${esc(scenario.op)}${input}</small></h2>`;
    const figures = `<details><summary>every figure</summary>${laneTable(scenario.lanes)}</details>`;
    const charts = laneCharts(scenario.lanes.filter(isMeasured));
    sections.push(`<section>${title}<ul class="lanes">${lines}</ul>${charts}${figures}</section>`);
  }
  if (results.boundary?.length) {
    const sizes = [...new Set(results.boundary.map((b) => b.sizeBytes))];
    const lanes = [...new Set(results.boundary.map((b) => b.lane))];
    sections.push(
      `<h2>Boundary cost</h2><p>Mean ns per <code>echo</code> call, one caller, and ns per extra byte: a round trip from the harness (tinybench), or the Go host's own loop next to the plugin (<code>@go</code> lanes).</p><table><tr><th>lane</th><th>timed by</th>${sizes.map((s) => `<th>${formatBytes(s)}</th>`).join('')}<th>ns/byte</th></tr>${lanes
        .map(
          (lane) =>
            `<tr><td>${esc(lane)}</td><td>${esc(results.boundary!.find((b) => b.lane === lane)?.timedBy ?? 'tinybench')}</td>${sizes.map((s) => `<td>${formatNs(results.boundary!.find((b) => b.lane === lane && b.sizeBytes === s)?.meanNs ?? Number.NaN)}</td>`).join('')}<td>${
              results
                .boundary!.filter((b) => b.lane === lane)
                .at(-1)
                ?.nsPerByte?.toFixed(3) ?? ''
            }</td></tr>`,
        )
        .join('')}</table>`,
    );
  }
  sections.push(safetyMatrix(results));
  if (results.fuzz) {
    sections.push(
      `<h2>Fuzzing</h2><p>seed ${results.fuzz.seed}, ${results.fuzz.runs} runs.</p><table><tr><th>plugin</th><th>op</th><th>properties</th><th>runs</th><th>status</th><th>executions/s</th><th>mode</th><th>edges</th></tr>${results.fuzz.properties
        .map(
          (p) =>
            `<tr><td>${esc(p.plugin)}</td><td>${esc(p.op)}</td><td>${esc(p.property)}</td><td>${p.runs}</td><td class="${p.status}">${p.status}</td><td>${esc(
              Object.entries({
                ...p.execsPerSecByLane,
                ...Object.fromEntries(
                  Object.entries(p.guidedExecsPerSecByLane ?? {}).map(([l, n]) => [`${l} guided`, n]),
                ),
              })
                .map(([l, n]) => `${l} ${n}`)
                .join(', '),
            )}</td><td title="${esc(p.why ?? '')}">${esc(p.mode ?? '')}</td><td>${esc(
              Object.entries(p.coverageByLane ?? {})
                .map(([l, c]) => `${l} ${c.edgesSeen}/${c.edgesTotal}`)
                .join(', '),
            )}</td></tr>`,
        )
        .join('')}</table>${results.fuzz.properties
        .filter((p) => p.edgesOverTime)
        .map(edgesChart)
        .join(
          '',
        )}${results.fuzz.failures.map((f) => `<div class="finding"><b>${esc(f.property)}</b> on ${esc(f.plugin)} ${esc(f.op)} (${esc(f.lane)}): ${esc(f.message)}<pre>${esc(f.replay)}</pre></div>`).join('')}`,
    );
  }
  const env = results.env;
  sections.push(
    `<h2>Environment</h2><table>${Object.entries(env)
      .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(v))}</td></tr>`)
      .join('')}</table>`,
  );
  const css = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111}header{padding:8px 16px;border-radius:6px}header.pass{background:#dcfce7}header.fail{background:#fee2e2}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}.pass{background:#dcfce7}.fail{background:#fecaca}.warn{background:#fef9c3}.unsupported{background:#e5e7eb;color:#555}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{margin:0}.chart svg text{font-size:11px}.grid{stroke:#eee}.axis{fill:#555}figcaption{font-weight:600;font-size:12px}.finding{border-left:4px solid #dc2626;padding:4px 8px;margin:8px 0}pre{background:#f4f4f5;padding:4px}small{color:#666;font-weight:normal}.note{padding:4px 8px;background:#f4f4f5;border-radius:4px}ul.lanes{margin:4px 0 8px;padding-left:20px}details{margin:8px 0}summary{cursor:pointer;color:#333}`;
  // The one script counts the charts, and the rows needing attention below the first screen,
  // once the page is parsed; the report tests read both back.
  const script = `document.body.dataset.charts=String(document.querySelectorAll('figure.chart svg path').length);document.body.dataset.belowFirstScreen=String([document.getElementById('verdict'),...document.querySelectorAll('[data-attention]')].filter((e)=>e.getBoundingClientRect().bottom>innerHeight).length);`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>plugbench ${results.verdict}</title><style>${css}</style></head><body>${sections.join('\n')}<script>${script}</script></body></html>\n`;
}
