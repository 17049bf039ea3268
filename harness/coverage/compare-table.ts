/** Operands of recent compares inside the plugin, as compare tracing reported them. */
export interface CompareOperands {
  a: bigint;
  b: bigint;
  /** Operand width in bytes: 1, 2, 4 or 8. */
  widthBytes: number;
}

/** Slots in a compare table: recent compares hash into them, newer ones overwrite older. */
export const COMPARE_SLOTS = 512;

/** Where compare tracing leaves its operands: filled by the plugin's calls, read by the mutator. */
export interface CompareTable {
  /** A random recorded compare, or undefined while none was seen. */
  pick(random: () => number): CompareOperands | undefined;
}

/** The table for core modules: the `__sanitizer_cov_trace_*` imports write it from JavaScript. */
export class JsCompareTable implements CompareTable {
  readonly #a: Array<number | bigint> = new Array(COMPARE_SLOTS).fill(0);
  readonly #b: Array<number | bigint> = new Array(COMPARE_SLOTS).fill(0);
  readonly #width = new Uint8Array(COMPARE_SLOTS);
  /** Slots in use, so a pick never lands on an empty one. */
  readonly #filled: number[] = [];

  record(a: number | bigint, b: number | bigint, widthBytes: number): void {
    if (a === b) return;
    const slot =
      typeof a === 'bigint'
        ? Number((a ^ (b as bigint)) % BigInt(COMPARE_SLOTS))
        : (Math.imul(a as number, 0x9e3779b1) ^ (b as number)) >>> 23;
    if (this.#width[slot] === 0) this.#filled.push(slot);
    this.#a[slot] = a;
    this.#b[slot] = b;
    this.#width[slot] = widthBytes;
  }

  pick(random: () => number): CompareOperands | undefined {
    if (this.#filled.length === 0) return undefined;
    const slot = this.#filled[Math.floor(random() * this.#filled.length)]!;
    return { a: BigInt(this.#a[slot]!), b: BigInt(this.#b[slot]!), widthBytes: this.#width[slot]! };
  }
}

/** Picks between two scans of the native table for slots in use. */
const PICKS_PER_SCAN = 256;

/** The table of the native shim (sanitizer-shim.c), read in place through koffi views. */
export class NativeCompareTable implements CompareTable {
  /** Slots in use at the last scan: the C side keeps no list, and most slots are empty. */
  #filled: number[] = [];
  #picks = 0;

  constructor(
    private readonly operands: BigUint64Array,
    private readonly widths: Uint8Array,
  ) {}

  pick(random: () => number): CompareOperands | undefined {
    if (this.#picks++ % PICKS_PER_SCAN === 0)
      this.#filled = [...this.widths.keys()].filter((slot) => this.widths[slot] !== 0);
    if (this.#filled.length === 0) return undefined;
    const slot = this.#filled[Math.floor(random() * this.#filled.length)]!;
    return { a: this.operands[2 * slot]!, b: this.operands[2 * slot + 1]!, widthBytes: this.widths[slot]! };
  }
}
