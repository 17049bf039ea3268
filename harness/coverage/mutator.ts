import type { CompareTable } from './compare-table.ts';

/** Values that often sit at a boundary, written as 1, 2 or 4 bytes. */
const INTERESTING = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 16, 32, 64,
  100, 1000, 1024, 4096,
];
/** The newest corpus entries favoured as mutation bases. */
const RECENT_ENTRIES = 8;
/** How many mutations are stacked on one input at most. */
const MAX_STACKED = 5;

/** Little-endian bytes of `value`, `widthBytes` long, written into `out` (a view of it is returned). */
function leBytes(value: bigint, widthBytes: number, out: Uint8Array): Uint8Array {
  // Two 32-bit halves as numbers: BigInt shifts per byte cost more than the call they feed.
  const low = Number(value & 0xffffffffn);
  const high = widthBytes > 4 ? Number((value >> 32n) & 0xffffffffn) : 0;
  for (let i = 0; i < widthBytes; i++) out[i] = i < 4 ? (low >>> (8 * i)) & 0xff : (high >>> (8 * (i - 4))) & 0xff;
  return out.subarray(0, widthBytes);
}

/** The fewest bytes that hold `value` (at least 1). */
const minimalWidth = (value: bigint) => (value < 0x100n ? 1 : value < 0x10000n ? 2 : value < 0x100000000n ? 4 : 8);

function indexOf(haystack: Uint8Array, length: number, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Makes the next input from the corpus: byte-level havoc (flips, arithmetic, interesting values,
 * insert, delete, copy, splice), dictionary words, and compare operands the plugin logged put
 * where the other operand sits in the input (how a magic number or a length check is passed).
 */
export class Mutator {
  readonly #work: Uint8Array;
  #length = 0;
  /** Operand bytes: one to search for, one to write. */
  readonly #needle = new Uint8Array(8);
  readonly #wanted = new Uint8Array(8);

  constructor(
    private readonly random: () => number,
    private readonly dictionary: readonly Uint8Array[],
    private readonly compares: () => CompareTable,
    private readonly maxInputBytes: number,
  ) {
    this.#work = new Uint8Array(maxInputBytes);
  }

  #below(n: number): number {
    return Math.floor(this.random() * n);
  }

  /**
   * A mutated random corpus entry, at most `limitBytes` long (grown by the caller as the corpus
   * grows, so short inputs come first). A view of a buffer the next call overwrites: copy to keep.
   */
  next(corpus: readonly Uint8Array[], limitBytes: number): Uint8Array {
    const limit = Math.min(limitBytes, this.maxInputBytes);
    const base = corpus.length === 0 ? new Uint8Array() : corpus[this.#pickIndex(corpus.length)]!;
    this.#length = Math.min(base.length, limit);
    this.#work.set(base.subarray(0, this.#length));
    const stacked = 1 + this.#below(MAX_STACKED);
    for (let i = 0; i < stacked; i++) this.#mutateOnce(corpus);
    return this.#work.subarray(0, Math.min(this.#length, limit));
  }

  /** Half the time one of the newest entries: what just reached new code is where the next step is. */
  #pickIndex(size: number): number {
    return this.random() < 0.5 ? size - 1 - this.#below(Math.min(size, RECENT_ENTRIES)) : this.#below(size);
  }

  #mutateOnce(corpus: readonly Uint8Array[]): void {
    const empty = this.#length === 0;
    switch (empty ? 4 + this.#below(2) * 5 : this.#below(11)) {
      case 0:
        return this.#flipBit();
      case 1:
        return void (this.#work[this.#below(this.#length)] = this.#below(256));
      case 2:
        return this.#interesting();
      case 3:
        return this.#arithmetic();
      case 4:
        return this.#insert(this.#randomBytes(1 + this.#below(4)));
      case 5:
        return this.#delete();
      case 6:
        return this.#copyWithin();
      case 7:
        return this.#splice(corpus);
      case 8:
        return this.#dictionaryWord();
      default:
        return this.#compareOperand();
    }
  }

  #flipBit(): void {
    this.#work[this.#below(this.#length)]! ^= 1 << this.#below(8);
  }

  /** Writes `bytes` at `at`, growing the input where they run past its end. */
  #overwrite(bytes: Uint8Array, at: number): void {
    const room = Math.min(bytes.length, this.maxInputBytes - at);
    if (room <= 0) return;
    this.#work.set(bytes.subarray(0, room), at);
    this.#length = Math.max(this.#length, at + room);
  }

  #insert(bytes: Uint8Array, at = this.#below(this.#length + 1)): void {
    const count = Math.min(bytes.length, this.maxInputBytes - this.#length);
    if (count <= 0) return;
    this.#work.copyWithin(at + count, at, this.#length);
    this.#work.set(bytes.subarray(0, count), at);
    this.#length += count;
  }

  #delete(): void {
    const at = this.#below(this.#length);
    const count = 1 + this.#below(Math.min(this.#length - at, 16));
    this.#work.copyWithin(at, at + count, this.#length);
    this.#length -= count;
  }

  #copyWithin(): void {
    const from = this.#below(this.#length);
    const count = 1 + this.#below(Math.min(this.#length - from, 16));
    const bytes = this.#work.slice(from, from + count);
    if (this.random() < 0.5) this.#insert(bytes);
    else this.#overwrite(bytes, this.#below(this.#length));
  }

  /** Up to 8 random bytes (or one repeated), in scratch memory. */
  #randomBytes(count: number): Uint8Array {
    const bytes = this.#wanted.subarray(0, Math.min(count, 8));
    if (this.random() < 0.5) bytes.fill(this.#below(256));
    else for (let i = 0; i < count; i++) bytes[i] = this.#below(256);
    return bytes;
  }

  #integer(value: number, widthBytes: number): Uint8Array {
    const bytes = leBytes(BigInt(value >>> 0), widthBytes, this.#wanted);
    return this.random() < 0.5 ? bytes : bytes.reverse();
  }

  #interesting(): void {
    const widthBytes = [1, 2, 4][this.#below(3)]!;
    const value = INTERESTING[this.#below(INTERESTING.length)]!;
    this.#overwrite(this.#integer(value, widthBytes), this.#below(this.#length));
  }

  #arithmetic(): void {
    const widthBytes = [1, 2, 4][this.#below(3)]!;
    const at = this.#below(this.#length);
    if (at + widthBytes > this.#length) return void (this.#work[at] = (this.#work[at]! + 1 + this.#below(35)) & 0xff);
    const view = new DataView(this.#work.buffer, this.#work.byteOffset + at, widthBytes);
    const littleEndian = this.random() < 0.5;
    const delta = (1 + this.#below(35)) * (this.random() < 0.5 ? 1 : -1);
    if (widthBytes === 1) view.setUint8(0, view.getUint8(0) + delta);
    else if (widthBytes === 2) view.setUint16(0, view.getUint16(0, littleEndian) + delta, littleEndian);
    else view.setUint32(0, view.getUint32(0, littleEndian) + delta, littleEndian);
  }

  /** The front of this input joined to the back of another corpus entry. */
  #splice(corpus: readonly Uint8Array[]): void {
    const other = corpus[this.#below(corpus.length)];
    if (other === undefined || other.length === 0) return this.#flipBit();
    const cut = this.#below(this.#length + 1);
    const from = this.#below(other.length);
    const tail = other.subarray(from, from + this.maxInputBytes - cut);
    this.#work.set(tail, cut);
    this.#length = cut + tail.length;
  }

  #dictionaryWord(): void {
    if (this.dictionary.length === 0) return this.#insert(this.#randomBytes(1 + this.#below(4)));
    const word = this.dictionary[this.#below(this.dictionary.length)]!;
    if (this.random() < 0.5) this.#insert(word);
    else this.#overwrite(word, this.#below(this.#length + 1));
  }

  /** Where one operand of a logged compare appears in the input, puts the other one. */
  #compareOperand(): void {
    const logged = this.compares().pick(this.random);
    if (logged === undefined) return this.#dictionaryWord();
    const [from, to] = this.random() < 0.5 ? [logged.a, logged.b] : [logged.b, logged.a];
    // At the compared width, then at the fewest bytes that hold it (a u16 field compared as a u32).
    const narrow = Math.min(logged.widthBytes, minimalWidth(from));
    for (const widthBytes of narrow === logged.widthBytes ? [narrow] : [logged.widthBytes, narrow]) {
      const needle = leBytes(from, widthBytes, this.#needle);
      const found = indexOf(this.#work, this.#length, needle, this.#below(this.#length));
      const at = found >= 0 ? found : indexOf(this.#work, this.#length, needle, 0);
      if (at >= 0) return this.#overwrite(leBytes(to, widthBytes, this.#wanted), at);
    }
    // Not in the input (yet): put the wanted operand somewhere, at the width it was compared at.
    const widthBytes = this.random() < 0.5 ? logged.widthBytes : Math.min(logged.widthBytes, minimalWidth(to));
    const bytes = leBytes(to, widthBytes, this.#wanted);
    if (this.random() < 0.5) this.#overwrite(bytes, this.#below(this.#length + 1));
    else this.#insert(bytes);
  }
}
