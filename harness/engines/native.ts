import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';
import {
  type CallOutcome,
  ERROR_CODES,
  errorCodeOfNativeStatus,
  failed,
  NATIVE_STATUS,
  PluginLoadError,
  POISONING_KINDS,
} from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import { checkNativeAbi, type DeclaredIdentity, negotiate } from '../contract/negotiation.ts';
import { decodeUtf8, ProtocolViolation } from './canonical.ts';
import { makeStdioBlocking } from './blocking-stdio.ts';
import { copyPluginMemory } from './native-memory.ts';
import { OpNames } from './op-names.ts';
import type { InstanceOptions, PluginInstance } from './instance.ts';

/** `pb_buf` from plugbench.h, passed by value to `plugbench_free`. */
koffi.struct('pb_buf', { ptr: 'void *', len: 'size_t' });
/** A `pb_buf` the plugin fills: 16 bytes, read directly (faster than koffi's struct decoding). */
type OutBuffer = Buffer;
const newOutBuffer = (): OutBuffer => Buffer.alloc(16);

interface NativeExports {
  abi(): number;
  describe(out: OutBuffer): number;
  init(config: Uint8Array, len: number, out: OutBuffer): number;
  call(op: Uint8Array, opLen: number, input: Uint8Array, inLen: number, out: OutBuffer): number;
  free(buf: { ptr: bigint; len: number }): void;
  shutdown(): void;
}

function bind(lib: LibraryHandle): NativeExports {
  return {
    abi: lib.func('uint32_t plugbench_abi(void)'),
    describe: lib.func('int32_t plugbench_describe(void *out)'),
    init: lib.func('int32_t plugbench_init(const uint8_t *config, size_t len, void *out)'),
    call: lib.func(
      'int32_t plugbench_call(const uint8_t *op, size_t op_len, const uint8_t *input, size_t in_len, void *out)',
    ),
    free: lib.func('void plugbench_free(pb_buf buf)'),
    shutdown: lib.func('void plugbench_shutdown(void)'),
  } as NativeExports;
}

let librariesOpened = 0;

/** How many native images this process has opened: each open is a fresh private copy (what `compare` counts on). */
export const nativeLibrariesOpened = () => librariesOpened;

/**
 * Opens the verified bytes of a shared library: they are written to a fresh private file,
 * which is opened and then unlinked, so the library that runs is the one that was hashed.
 */
function openLibrary(bytes: Uint8Array): LibraryHandle {
  librariesOpened++;
  const dir = mkdtempSync(join(tmpdir(), 'plugbench-native-'));
  const path = join(dir, 'plugin.so');
  try {
    writeFileSync(path, bytes, { mode: 0o500 });
    return koffi.load(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const utf8 = new TextEncoder();

/**
 * A cdylib called through koffi. A native fault (abort, segfault) takes the whole process
 * with it: only the `process` isolation contains it. Output lengths are checked against the
 * limit, and every buffer is copied through the kernel, so a lying pointer is `protocol`.
 */
export class NativeInstance implements PluginInstance {
  readonly boundary = 'native';
  #poisoned: string | undefined;
  readonly #out = newOutBuffer();
  readonly #ops = new OpNames();

  private constructor(
    private readonly exports: NativeExports,
    private readonly maxOutputBytes: number,
    readonly manifest: Manifest,
  ) {}

  static open(bytes: Uint8Array, declared: DeclaredIdentity, options: InstanceOptions): NativeInstance {
    makeStdioBlocking();
    let exports: NativeExports;
    try {
      exports = bind(openLibrary(bytes));
    } catch (e) {
      const message = (e as Error).message;
      if (/undefined symbol: __sanitizer_cov_/.test(message)) {
        throw new PluginLoadError(
          'incompatible',
          `the shared library is a coverage build (${message}), which only guided fuzzing loads and which is ` +
            `never timed; load the plain artifact (\`lib<name>.so\`) instead`,
        );
      }
      throw new PluginLoadError(
        'protocol',
        `the shared library does not load or lacks a contract export (${message}); it must export every function ` +
          `of harness/contract/plugbench.h`,
      );
    }
    checkNativeAbi(exports.abi());
    const out = newOutBuffer();
    const status = exports.describe(out);
    let describeJson: string;
    try {
      describeJson = decodeUtf8(
        takeBuffer(exports, out, options.maxOutputBytes),
        'the manifest from `plugbench_describe`',
      );
    } catch (e) {
      throw new PluginLoadError('protocol', (e as Error).message);
    }
    if (status !== NATIVE_STATUS.ok)
      throw new PluginLoadError('protocol', `\`plugbench_describe\` returned status ${status}: ${describeJson}`);
    return new NativeInstance(exports, options.maxOutputBytes, negotiate(describeJson, declared, options.policy));
  }

  init(config: string): CallOutcome {
    const bytes = utf8.encode(config);
    return this.run((out) => this.exports.init(bytes, bytes.length, out), false);
  }

  call(op: string, input: Uint8Array): CallOutcome {
    const opBytes = this.#ops.bytes(op);
    return this.run((out) => this.exports.call(opBytes, opBytes.length, input, input.length, out), true);
  }

  shutdown(): CallOutcome {
    // A fault in `plugbench_shutdown` ends the process: there is no outcome to return but ok.
    if (this.#poisoned === undefined) this.exports.shutdown();
    return { ok: true, output: new Uint8Array() };
  }

  memoryBytes(): undefined {
    return undefined;
  }

  close(): void {
    this.#poisoned ??= 'closed';
  }

  private run(enter: (out: OutBuffer) => number, hasOutput: boolean): CallOutcome {
    if (this.#poisoned !== undefined) throw new Error(`harness bug: instance called after it was ${this.#poisoned}`);
    const out = this.#out;
    out.fill(0);
    const status = enter(out);
    let outcome: CallOutcome;
    try {
      outcome = decodeNativeStatus(status, takeBuffer(this.exports, out, this.maxOutputBytes), hasOutput);
    } catch (e) {
      if (!(e instanceof ProtocolViolation)) throw e;
      outcome = failed({ kind: 'protocol', message: e.message });
    }
    if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind))
      this.#poisoned = `poisoned by a ${outcome.failure.kind}`;
    return outcome;
  }
}

/**
 * Turns a native call's status and the buffer it wrote to `out` into an outcome; throws a
 * ProtocolViolation for invalid UTF-8 or an unknown status (the Go host's decodeNativeStatus).
 */
export function decodeNativeStatus(status: number, bytes: Uint8Array, hasOutput: boolean): CallOutcome {
  if (status === NATIVE_STATUS.ok) return { ok: true, output: hasOutput ? bytes : new Uint8Array() };
  const message = decodeUtf8(bytes, 'the error message');
  const code = errorCodeOfNativeStatus(status);
  if (status === NATIVE_STATUS.panic) return failed({ kind: 'panic', message });
  if (code !== undefined) return failed({ kind: 'plugin', code, message });
  throw new ProtocolViolation(
    `status ${status} is not one of 0..${ERROR_CODES.length} or ${NATIVE_STATUS.panic} (plugbench.h)`,
  );
}

/**
 * Copies a buffer the plugin returned and gives it back to `plugbench_free`. A buffer that is
 * not readable memory is a protocol violation and is not handed back (freeing it would crash).
 */
function takeBuffer(exports: NativeExports, out: OutBuffer, maxBytes: number): Uint8Array {
  const ptr = out.readBigUInt64LE(0);
  const len = Number(out.readBigUInt64LE(8));
  if (ptr === 0n) {
    if (len !== 0) throw new ProtocolViolation(`the plugin returned a NULL buffer of length ${len}`);
    return new Uint8Array();
  }
  if (len > maxBytes)
    throw new ProtocolViolation(`the plugin returned ${len} bytes, past the output limit of ${maxBytes}`);
  const bytes = len === 0 ? new Uint8Array() : copyPluginMemory(ptr, len);
  if (bytes === undefined)
    throw new ProtocolViolation(
      `the plugin returned ${len} bytes at 0x${ptr.toString(16)}, which is not readable memory`,
    );
  exports.free({ ptr, len });
  return bytes;
}
