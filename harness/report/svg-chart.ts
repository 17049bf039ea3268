/** Inline SVG line charts for the HTML report: no scripts, no network, readable offline. */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
  /** Series with the same key share a colour: a lane's dashed companion reads as that lane's. */
  colorKey?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Tick labels on x: value → text. */
  xTicks: Array<[number, string]>;
  formatY: (y: number) => string;
  logY?: boolean;
  /** Vertical marks at these x values (events such as a replacement), each with its hover text. */
  marks?: Array<{ x: number; label: string }>;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function lineChart(series: Series[], options: ChartOptions): string {
  const [w, h, left, right, top, bottom] = [666, 300, 70, 206, 28, 40];
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (all.length === 0) return `<figure class="chart"><figcaption>${esc(options.title)}: no data</figcaption></figure>`;
  const ty = (y: number) => (options.logY ? Math.log10(Math.max(y, 1)) : y);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => ty(y));
  const [x0, x1] = [
    Math.min(...xs, ...options.xTicks.map(([x]) => x)),
    Math.max(...xs, ...options.xTicks.map(([x]) => x)),
  ];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!options.logY) y0 = Math.min(0, y0);
  if (y1 === y0) y1 = y0 + 1;
  const px = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (w - left - right);
  const py = (y: number) => top + (1 - (ty(y) - y0) / (y1 - y0)) * (h - top - bottom);
  const yTicks = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4).map((t) => (options.logY ? 10 ** t : t));
  const grid = [
    ...yTicks.map(
      (y) =>
        `<line x1="${left}" x2="${w - right}" y1="${py(y)}" y2="${py(y)}" class="grid"/><text x="${left - 6}" ` +
        `y="${py(y) + 4}" text-anchor="end">${esc(options.formatY(y))}</text>`,
    ),
    ...options.xTicks.map(
      ([x, label]) =>
        `<line x1="${px(x)}" x2="${px(x)}" y1="${top}" y2="${h - bottom}" class="grid"/><text x="${px(x)}" ` +
        `y="${h - bottom + 16}" text-anchor="middle">${esc(label)}</text>`,
    ),
  ];
  const keys = [...new Set(series.map((s) => s.colorKey ?? s.name))];
  const lines = series.map((s, i) => {
    const color = COLORS[keys.indexOf(s.colorKey ?? s.name) % COLORS.length]!;
    const d = s.points
      .filter(([, y]) => Number.isFinite(y))
      .map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join('');
    return (
      `<path d="${d}" fill="none" stroke="${color}" ` +
      `stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${w - right + 8}" ` +
      `y="${top + 14 + i * 16}" fill="${color}">${s.dashed ? '- - ' : ''}${esc(s.name)}</text>`
    );
  });
  const marks = (options.marks ?? []).map(
    (m) =>
      `<line x1="${px(m.x).toFixed(1)}" x2="${px(m.x).toFixed(1)}" y1="${top}" y2="${h - bottom}" class="mark" ` +
      `stroke="#6b7280" stroke-dasharray="2 3"><title>${esc(m.label)}</title></line>`,
  );
  return (
    `<figure class="chart"><figcaption>${esc(options.title)}</figcaption><svg viewBox="0 0 ${w} ${h}" ` +
    `width="${w}" height="${h}" role="img" ` +
    `aria-label="${esc(options.title)}">${grid.join('')}${marks.join('')}${lines.join('')}<text ` +
    `x="${(left + w - right) / 2}" y="${h - 6}" text-anchor="middle" ` +
    `class="axis">${esc(options.xLabel)}</text><text x="14" y="${(top + h - bottom) / 2}" ` +
    `text-anchor="middle" class="axis" transform="rotate(-90 14 ` +
    `${(top + h - bottom) / 2})">${esc(options.yLabel)}</text></svg></figure>`
  );
}

/** x position of a percentile on an HdrHistogram-style axis: 90 → 1, 99 → 2, 99.9 → 3. */
export const percentileX = (p: number) => -Math.log10(Math.max(1e-6, 1 - p / 100));
export const PERCENTILE_TICKS: Array<[number, string]> = [
  [0, '0%'],
  [1, '90%'],
  [2, '99%'],
  [3, '99.9%'],
  [4, '99.99%'],
  [5, '99.999%'],
];
