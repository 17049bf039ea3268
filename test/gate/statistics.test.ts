import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeChange, pairedRelativeChange } from '../../harness/gate/statistics.ts';
import { seededRandom } from '../../harness/random.ts';

/** Rounds whose p50 is `level` times a drifting machine speed, with multiplicative noise. */
function rounds(n: number, level: number, noise: number, seed: number): [number[], number[]] {
  const random = seededRandom(seed);
  const base: number[] = [];
  const head: number[] = [];
  for (let i = 0; i < n; i++) {
    const machine = 1000 * (1 + 0.5 * Math.sin(i));
    base.push(machine * (1 + noise * (random() - 0.5)));
    head.push(machine * level * (1 + noise * (random() - 0.5)));
  }
  return [base, head];
}

test('a known 25 % slowdown is estimated near +25 % and its interval covers it', () => {
  const change = pairedRelativeChange(...rounds(12, 1.25, 0.1, 1));
  assert.ok(Math.abs(change.estimate - 0.25) < 0.04, `estimate ${change.estimate}`);
  assert.ok(change.low < 0.25 && change.high > 0.25, `[${change.low}, ${change.high}]`);
  assert.is(judgeChange(change, 0.1), 'fail');
});

test('equal sides: no regression, even with a machine that drifts by 50 % across rounds', () => {
  let excludesZero = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const change = pairedRelativeChange(...rounds(12, 1, 0.1, seed));
    if (change.low > 0 || change.high < 0) excludesZero++;
    assert.is.not(judgeChange(change, 0.1), 'fail', `seed ${seed}`);
  }
  // A 95 % interval misses the truth about 1 time in 20; far more would mean it is too narrow.
  assert.ok(excludesZero <= 5, `${excludesZero} of 40 intervals exclude zero`);
});

test('a change above the threshold whose interval still reaches below it is a warning, not a failure', () => {
  assert.is(judgeChange({ estimate: 0.12, low: 0.02, high: 0.22, confidence: 0.95 }, 0.1), 'warn');
  assert.is(judgeChange({ estimate: 0.2, low: 0.15, high: 0.25, confidence: 0.95 }, 0.1), 'fail');
  assert.is(judgeChange({ estimate: 0.01, low: -0.02, high: 0.04, confidence: 0.95 }, 0.1), 'pass');
});

test.run();
