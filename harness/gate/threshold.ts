import { UsageError } from '../contract/errors.ts';

/** A comparison in a threshold. */
export type Comparator = '<' | '<=' | '>' | '>=' | '==';

/**
 * A parsed threshold: `latency.p99 < 50us`, `errors.rate == 0`, `memory.slopeBytesPerCall < 1`,
 * `regression.p50 < 10%`, optionally for one lane: `native@process: latency.p99 < 2ms`.
 */
export interface Threshold {
  /** The expression as written. */
  source: string;
  /** Only this lane, or every lane of the scenario. */
  lane?: string;
  metric: string;
  comparator: Comparator;
  /** The limit as written, e.g. `50us`. */
  limit: string;
  /** In the metric's base unit: ns, bytes, calls per second, a ratio (10 % = 0.1) or a count. */
  value: number;
}

/** Metrics a threshold may name, with the kind of unit their values take. */
export const METRICS: Readonly<Record<string, 'time' | 'bytes' | 'ratio' | 'count' | 'rate'>> = {
  'latency.p50': 'time',
  'latency.p90': 'time',
  'latency.p99': 'time',
  'latency.p999': 'time',
  'latency.max': 'time',
  'latency.mean': 'time',
  'latencyInner.p50': 'time',
  'latencyInner.p99': 'time',
  'errors.rate': 'ratio',
  'errors.count': 'count',
  'errors.faults': 'count',
  'memory.slopeBytesPerCall': 'bytes',
  throughput: 'rate',
  'load.late': 'count',
  'load.dropped': 'count',
  'regression.p50': 'ratio',
  'regression.p99': 'ratio',
  'regression.mean': 'ratio',
};

const UNITS: Record<string, { kind: 'time' | 'bytes' | 'ratio' | 'rate'; factor: number }> = {
  ns: { kind: 'time', factor: 1 },
  us: { kind: 'time', factor: 1e3 },
  µs: { kind: 'time', factor: 1e3 },
  ms: { kind: 'time', factor: 1e6 },
  s: { kind: 'time', factor: 1e9 },
  B: { kind: 'bytes', factor: 1 },
  KiB: { kind: 'bytes', factor: 1024 },
  MiB: { kind: 'bytes', factor: 1024 ** 2 },
  GiB: { kind: 'bytes', factor: 1024 ** 3 },
  '%': { kind: 'ratio', factor: 0.01 },
  '/s': { kind: 'rate', factor: 1 },
};

const SHAPE =
  /^\s*(?:([a-z-]+@[a-z]+)\s*:\s*)?([A-Za-z.0-9]+)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Zµ%/]*)\s*$/;

/** Parses a threshold expression; a malformed one is a usage error that shows it and what was expected. */
export function parseThreshold(source: string): Threshold {
  const match = SHAPE.exec(source);
  const expected =
    'expected `METRIC OP VALUE[UNIT]`, e.g. `latency.p99 < 50us`, `errors.rate == 0`, `regression.p50 < 10%`, ' +
    'optionally prefixed by `LANE:`';
  if (!match) throw new UsageError(`threshold \`${source}\` is malformed: ${expected}`);
  const [, lane, metric, comparator, number, unit] = match as unknown as [
    string,
    string | undefined,
    string,
    Comparator,
    string,
    string,
  ];
  const kind = METRICS[metric];
  if (kind === undefined)
    throw new UsageError(
      `threshold \`${source}\`: unknown metric \`${metric}\` (known: ${Object.keys(METRICS).join(', ')})`,
    );
  let value = Number(number);
  if (unit !== '') {
    const known = UNITS[unit];
    if (known === undefined)
      throw new UsageError(`threshold \`${source}\`: unknown unit \`${unit}\` (use ns, us, ms, s, B, KiB, MiB, %, /s)`);
    if (known.kind !== kind)
      throw new UsageError(`threshold \`${source}\`: \`${metric}\` is a ${kind}, so \`${unit}\` does not fit`);
    value *= known.factor;
  } else if (kind === 'time' && value !== 0) {
    throw new UsageError(`threshold \`${source}\`: give \`${metric}\` a unit (ns, us, ms, s)`);
  }
  return { source: source.trim(), ...(lane ? { lane } : {}), metric, comparator, limit: `${number}${unit}`, value };
}

export function compare(value: number, comparator: Comparator, limit: number): boolean {
  switch (comparator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
  }
}
