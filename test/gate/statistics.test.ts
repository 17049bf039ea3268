import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  anytimeRelativeChange,
  judgeChange,
  pairedRelativeChange,
  type RelativeChange,
  sequentialState,
} from '../../harness/gate/statistics.ts';
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

const gaussian = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/**
 * A/A runs looked at after every round, as the sequential gate does: the machine drifts by
 * 30 % across rounds, each side gets 0.4 % of Gaussian noise, and one round in twenty a side
 * is hit by a 3 % stall (a noisy neighbour). Returns how many runs the interval ever left the
 * truth (0) and how many the gate would have failed at a threshold of 0, the hardest one.
 */
function peekingAA(interval: (base: number[], head: number[]) => RelativeChange, runs: number, maxRounds: number) {
  let everMissed = 0;
  let falseAlarms = 0;
  for (let seed = 1; seed <= runs; seed++) {
    const random = seededRandom(seed);
    const [base, head]: [number[], number[]] = [[], []];
    let [missed, failed] = [false, false];
    for (let i = 0; i < maxRounds; i++) {
      const machine = 1000 * (1 + 0.3 * Math.sin(i / 3));
      const side = () => machine * Math.exp(0.004 * gaussian(random) + (random() < 0.05 ? 0.03 : 0));
      base.push(side());
      head.push(side());
      if (i === 0) continue;
      const change = interval(base, head);
      missed ||= change.low > 0 || change.high < 0;
      failed ||= sequentialState(change, 0) === 'fail';
    }
    if (missed) everMissed++;
    if (failed) falseAlarms++;
  }
  return { everMissed: everMissed / runs, falseAlarms: falseAlarms / runs };
}

test('sequential A/A: looking after every round for 150 rounds, the confidence sequence misses at most 1 run in 20', () => {
  const anytime = peekingAA(anytimeRelativeChange, 600, 150);
  assert.ok(anytime.everMissed <= 0.05, `the interval left the truth in ${anytime.everMissed * 100}% of runs`);
  assert.ok(anytime.falseAlarms <= 0.05, `A/A false alarms in ${anytime.falseAlarms * 100}% of runs`);
  // The same peeking with the fixed-sample t interval is what the sequence guards against.
  const fixed = peekingAA(pairedRelativeChange, 600, 150);
  assert.ok(
    fixed.falseAlarms > 0.1,
    `the fixed-sample interval, peeked at, false-alarmed in ${fixed.falseAlarms * 100}% of runs`,
  );
});

test('sequential: a real 1 % regression clears a 0.5 % threshold; a change right at the threshold rarely fails', () => {
  let [flagged, atThreshold] = [0, 0];
  for (let seed = 1; seed <= 200; seed++) {
    for (const [level, counter] of [
      [1.01, 'flagged'],
      [1.005, 'atThreshold'],
    ] as const) {
      const random = seededRandom(seed);
      const [base, head]: [number[], number[]] = [[], []];
      for (let i = 0; i < 200; i++) {
        base.push(1000 * Math.exp(0.004 * gaussian(random)));
        head.push(1000 * level * Math.exp(0.004 * gaussian(random)));
        const state = i === 0 ? 'continue' : sequentialState(anytimeRelativeChange(base, head), 0.005);
        if (state === 'continue') continue;
        if (state === 'fail') counter === 'flagged' ? flagged++ : atThreshold++;
        break;
      }
    }
  }
  assert.is(flagged, 200);
  assert.ok(atThreshold <= 0.05 * 200, `${atThreshold} of 200 runs at the threshold failed`);
});

test('sequential states: fail above, pass at or below, precise when narrow but straddling, else continue', () => {
  const at = (low: number, high: number) =>
    sequentialState({ estimate: (low + high) / 2, low, high, confidence: 0.95 }, 0.01);
  assert.is(at(0.011, 0.02), 'fail');
  assert.is(at(-0.01, 0.01), 'pass');
  assert.is(at(0.008, 0.012), 'precise');
  assert.is(at(0.0, 0.02), 'continue');
});

test.run();
