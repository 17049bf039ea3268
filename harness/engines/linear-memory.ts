/**
 * Views of a wasm instance's linear memory, kept across calls and made again only when
 * `memory.grow` replaced the buffer. Reading `memory.buffer` and making a view on every
 * access cost more than a small call itself.
 */
export class LinearMemory {
  #buffer: ArrayBuffer;
  #bytes: Uint8Array;
  #data: DataView;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.#buffer = memory.buffer;
    this.#bytes = new Uint8Array(this.#buffer);
    this.#data = new DataView(this.#buffer);
  }

  /** All of linear memory, as bytes. */
  get bytes(): Uint8Array {
    this.#refreshIfGrown();
    return this.#bytes;
  }

  /** All of linear memory, for little-endian reads of the return area. */
  get data(): DataView {
    this.#refreshIfGrown();
    return this.#data;
  }

  get byteLength(): number {
    this.#refreshIfGrown();
    return this.#buffer.byteLength;
  }

  /** Growing detaches the old buffer (its length drops to 0): only then are new views made. */
  #refreshIfGrown(): void {
    if (this.#buffer.byteLength !== 0) return;
    this.#buffer = this.memory.buffer;
    this.#bytes = new Uint8Array(this.#buffer);
    this.#data = new DataView(this.#buffer);
  }
}
