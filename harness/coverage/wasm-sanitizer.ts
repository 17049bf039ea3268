import type { SanitizerRuntime } from '../engines/instance.ts';
import { JsCompareTable } from './compare-table.ts';

/** An i64 from wasm arrives signed. */
const u64 = (value: bigint) => BigInt.asUintN(64, value);

/**
 * The SanitizerCoverage runtime a core-module coverage build imports from `env`: it learns
 * where the counters are in linear memory and logs compare operands into a table.
 */
export class WasmSanitizer implements SanitizerRuntime {
  readonly compares = new JsCompareTable();
  #memory: WebAssembly.Memory | undefined;
  #start = 0;
  #stop = 0;
  #buffer: ArrayBuffer | undefined;
  #view = new Uint8Array();

  readonly imports: Record<string, Function> = {
    // Every instrumented object's constructor reports the same linker-made bounds; keep their union.
    __sanitizer_cov_8bit_counters_init: (start: number, stop: number) => {
      const [s, e] = [start >>> 0, stop >>> 0];
      if (this.#stop === 0) [this.#start, this.#stop] = [s, e];
      else [this.#start, this.#stop] = [Math.min(this.#start, s), Math.max(this.#stop, e)];
      this.#buffer = undefined;
    },
    __sanitizer_cov_pcs_init: () => {},
    __sanitizer_cov_trace_cmp1: (a: number, b: number) => this.compares.record(a & 0xff, b & 0xff, 1),
    __sanitizer_cov_trace_cmp2: (a: number, b: number) => this.compares.record(a & 0xffff, b & 0xffff, 2),
    __sanitizer_cov_trace_cmp4: (a: number, b: number) => this.compares.record(a >>> 0, b >>> 0, 4),
    __sanitizer_cov_trace_cmp8: (a: bigint, b: bigint) => this.compares.record(u64(a), u64(b), 8),
    __sanitizer_cov_trace_const_cmp1: (a: number, b: number) => this.compares.record(a & 0xff, b & 0xff, 1),
    __sanitizer_cov_trace_const_cmp2: (a: number, b: number) => this.compares.record(a & 0xffff, b & 0xffff, 2),
    __sanitizer_cov_trace_const_cmp4: (a: number, b: number) => this.compares.record(a >>> 0, b >>> 0, 4),
    __sanitizer_cov_trace_const_cmp8: (a: bigint, b: bigint) => this.compares.record(u64(a), u64(b), 8),
    // `cases` points at [count, width in bits, case values...] as u64 in linear memory.
    __sanitizer_cov_trace_switch: (value: bigint, cases: number) => {
      const memory = this.#memory;
      if (memory === undefined || (cases >>> 0) + 16 > memory.buffer.byteLength) return;
      const view = new DataView(memory.buffer);
      const count = Math.min(16, Number(view.getBigUint64(cases >>> 0, true)));
      const widthBytes = Number(view.getBigUint64((cases >>> 0) + 8, true)) / 8;
      for (let i = 0; i < count && (cases >>> 0) + 16 + 8 * (i + 1) <= memory.buffer.byteLength; i++) {
        this.compares.record(u64(value), view.getBigUint64((cases >>> 0) + 16 + 8 * i, true), widthBytes);
      }
    },
    __sanitizer_cov_trace_div4: () => {},
    __sanitizer_cov_trace_div8: () => {},
    __sanitizer_cov_trace_gep: () => {},
  };

  attach(memory: WebAssembly.Memory): void {
    this.#memory = memory;
  }

  /** The counters, viewed afresh whenever `memory.grow` replaced the buffer. */
  counters(): Uint8Array {
    const buffer = this.#memory?.buffer;
    if (buffer === undefined) return this.#view;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#view = new Uint8Array(buffer, this.#start, this.#stop - this.#start);
    }
    return this.#view;
  }
}
