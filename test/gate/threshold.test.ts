import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../harness/contract/errors.ts';
import { parseThreshold } from '../../harness/gate/threshold.ts';

test('good expressions parse into base units', () => {
  const cases: Array<[string, Partial<ReturnType<typeof parseThreshold>>]> = [
    ['latency.p99 < 50us', { metric: 'latency.p99', comparator: '<', value: 50_000 }],
    ['latency.p50<=2ms', { metric: 'latency.p50', comparator: '<=', value: 2_000_000 }],
    ['errors.rate == 0', { metric: 'errors.rate', comparator: '==', value: 0 }],
    ['memory.slopeBytesPerCall < 1', { metric: 'memory.slopeBytesPerCall', value: 1 }],
    ['memory.slopeBytesPerCall < 1KiB', { value: 1024 }],
    ['regression.p50 < 10%', { metric: 'regression.p50', value: 0.1 }],
    ['throughput >= 100000/s', { metric: 'throughput', comparator: '>=', value: 100_000 }],
    ['native@process: latency.p99 < 1.5ms', { lane: 'native@process', value: 1_500_000 }],
  ];
  for (const [source, expected] of cases) {
    const parsed = parseThreshold(source);
    for (const [k, v] of Object.entries(expected))
      assert.is((parsed as unknown as Record<string, unknown>)[k], v, `${source}: ${k}`);
  }
});

test('bad expressions are usage errors that show the expression and what was expected', () => {
  const cases: Array<[string, string]> = [
    [
      'latency.p99 less than 5ms',
      'threshold `latency.p99 less than 5ms` is malformed: expected `METRIC OP VALUE[UNIT]`',
    ],
    ['latency.p42 < 5ms', 'unknown metric `latency.p42`'],
    ['latency.p99 < 5', 'give `latency.p99` a unit (ns, us, ms, s)'],
    ['latency.p99 < 5KiB', '`latency.p99` is a time, so `KiB` does not fit'],
    ['errors.rate < 5furlongs', 'unknown unit `furlongs`'],
    ['', 'is malformed'],
  ];
  for (const [source, message] of cases) {
    assert.throws(
      () => parseThreshold(source),
      (e: unknown) => e instanceof UsageError && e.message.includes(message),
      source,
    );
  }
});

test.run();
