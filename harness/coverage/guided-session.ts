import { seededRandom } from '../random.ts';
import type { PluginInstance } from '../engines/instance.ts';
import type { CoverageProbe } from './coverage-instance.ts';
import { CoverageMap } from './coverage-map.ts';
import type { ExecSlotWriter } from './exec-slot.ts';
import type { CoverageRequest, SliceResult } from './messages.ts';
import { Mutator } from './mutator.ts';

/** Bytes a mutated input may exceed twice the longest corpus entry by. */
const LENGTH_SLACK_BYTES = 16;
/** How often the loop reads the clock, in executions. */
const CLOCK_EVERY_EXECS = 64;

/** The live instance and its probe; replaced in place after a poisoned call. */
export interface CoverageTarget {
  instance: PluginInstance;
  probe: CoverageProbe;
}

type Begin = Extract<CoverageRequest, { type: 'coverage-begin' }>;

/**
 * The guided fuzz loop, next to the plugin (in a worker or a child): mutate, call, fold the
 * counters in, keep inputs that reached something new. Seeds run first.
 */
export class GuidedSession {
  readonly #map = new CoverageMap();
  readonly #corpus: Uint8Array[] = [];
  readonly #pending: Uint8Array[];
  readonly #mutator: Mutator;
  /** Inputs grow with the corpus: twice its longest entry plus some slack (libFuzzer's length control, simplified). */
  #lengthLimit = LENGTH_SLACK_BYTES;

  constructor(
    private readonly begin: Begin,
    private readonly target: () => CoverageTarget,
    private readonly slot: ExecSlotWriter,
  ) {
    this.#pending = [...begin.seeds].reverse();
    const compares = () => target().probe.compares;
    this.#mutator = new Mutator(seededRandom(begin.seed), begin.dictionary, compares, begin.maxInputBytes);
    // Counts from loading and `init` are not the fuzzer's doing.
    target().probe.counters().fill(0);
  }

  /** Runs for about `ms`, or until a call ends in anything but `ok` or a plugin error. */
  slice(ms: number): SliceResult {
    const endAt = performance.now() + ms;
    const added: Uint8Array[] = [];
    const { instance, probe } = this.target();
    const { op } = this.begin;
    let execs = 0;
    let finding: SliceResult['finding'];
    while (execs % CLOCK_EVERY_EXECS !== 0 || performance.now() < endAt) {
      const seed = this.#pending.pop();
      const input = seed ?? this.#mutator.next(this.#corpus, this.#lengthLimit);
      this.slot.begin(input);
      const outcome = instance.call(op, input);
      this.slot.end();
      execs++;
      const fresh = this.#map.absorb(probe.counters());
      if (!outcome.ok && outcome.failure.kind !== 'plugin') {
        finding = { input: input.slice(), failure: outcome.failure };
        break;
      }
      if (fresh) {
        const kept = input.slice();
        this.#corpus.push(kept);
        added.push(kept);
        // Long seeds do not lift the limit: mutants of them are cut to it, so executions stay cheap.
        if (seed === undefined) this.#lengthLimit = Math.max(this.#lengthLimit, 2 * kept.length + LENGTH_SLACK_BYTES);
      }
    }
    const { edgesSeen, edgesTotal } = this.#map;
    return { execs, added, ...(finding ? { finding } : {}), edgesSeen, edgesTotal, corpusSize: this.#corpus.length };
  }
}

/**
 * Indices of a subset of `inputs` reaching all they reach
 * together: shortest first, each kept when it adds something.
 */
export function minimizeCorpus(target: CoverageTarget, op: string, inputs: readonly Uint8Array[]): number[] {
  const map = new CoverageMap();
  target.probe.counters().fill(0);
  const order = inputs.map((input, index) => ({ input, index })).sort((x, y) => x.input.length - y.input.length);
  const kept: number[] = [];
  for (const { input, index } of order) {
    const outcome = target.instance.call(op, input);
    if (map.absorb(target.probe.counters())) kept.push(index);
    if (!outcome.ok && outcome.failure.kind !== 'plugin') break;
  }
  return kept.sort((a, b) => a - b);
}
