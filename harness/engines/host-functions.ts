import { HOST_IMPORT_MODULE } from '../contract/policy.ts';
import { decodeUtf8 } from './canonical.ts';
import { LOG_LEVELS, type LogLevel } from './instance.ts';

/**
 * The host side of the contract's `host` interface for one wasm instance: `log`, `panicked`
 * and `now-ns`. `panicked` records the message so the trap that follows reads as a panic.
 */
export class HostFunctions {
  #panic: string | undefined;

  constructor(private readonly onLog: ((level: LogLevel, message: string) => void) | undefined) {}

  /** The panic message reported since the last take, if any. */
  takePanic(): string | undefined {
    const panic = this.#panic;
    this.#panic = undefined;
    return panic;
  }

  /** Imports for a core module, reading strings out of `memory()`. */
  coreImports(memory: () => ArrayBuffer): WebAssembly.Imports {
    const text = (ptr: number, len: number) => {
      const buffer = memory();
      if (ptr + len > buffer.byteLength) return `<string out of bounds at ${ptr}+${len}>`;
      try {
        return decodeUtf8(new Uint8Array(buffer, ptr, len), 'string');
      } catch {
        return Buffer.from(buffer, ptr, len).toString('utf8');
      }
    };
    return {
      [HOST_IMPORT_MODULE]: {
        log: (level: number, ptr: number, len: number) =>
          this.onLog?.(LOG_LEVELS[level] ?? 'error', text(ptr >>> 0, len >>> 0)),
        panicked: (ptr: number, len: number) => {
          this.#panic = text(ptr >>> 0, len >>> 0);
        },
        'now-ns': () => process.hrtime.bigint(),
      },
    };
  }

  /** Imports for a jco-transpiled component, which lifts strings itself. */
  componentImports(): Record<string, Record<string, Function>> {
    return {
      'plugbench:plugin/host': {
        log: (level: LogLevel, message: string) => this.onLog?.(level, message),
        panicked: (message: string) => {
          this.#panic = message;
        },
        nowNs: () => process.hrtime.bigint(),
      },
    };
  }
}
