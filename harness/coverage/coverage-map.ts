/** Hit counts folded into buckets (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+), one bit each, as libFuzzer does. */
const BUCKET_BIT = new Uint8Array(256).map((_, count) => {
  if (count === 0) return 0;
  const bounds = [1, 2, 3, 7, 15, 31, 127, 255];
  return 1 << bounds.findIndex((bound) => count <= bound);
});

/**
 * Which edges and hit-count buckets the fuzz loop has reached so far. An input that reaches a
 * new bucket of any edge is kept: that is how a loop running one more time counts as progress.
 */
export class CoverageMap {
  #seen = new Uint8Array();
  /** Edges hit at least once. */
  edgesSeen = 0;

  get edgesTotal(): number {
    return this.#seen.length;
  }

  /** Folds in the counters of one execution and zeroes them; true when it reached something new. */
  absorb(counters: Uint8Array): boolean {
    if (counters.length !== this.#seen.length) this.#seen = new Uint8Array(counters.length);
    const seen = this.#seen;
    let fresh = false;
    for (let i = 0; i < counters.length; i++) {
      const count = counters[i]!;
      if (count === 0) continue;
      counters[i] = 0;
      const bit = BUCKET_BIT[count]!;
      const before = seen[i]!;
      if ((before & bit) !== 0) continue;
      if (before === 0) this.edgesSeen++;
      seen[i] = before | bit;
      fresh = true;
    }
    return fresh;
  }
}
