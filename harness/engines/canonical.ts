import { type CallFailure, ERROR_CODES } from '../contract/errors.ts';
import { CONTRACT_LIMITS } from '../contract/generated.ts';

/**
 * Decoding of the canonical-ABI values the contract's exports return, checked against the
 * instance's memory. Everything a plugin hands back is untrusted: a pointer or length out
 * of bounds, a length past the output limit, an unknown discriminant or invalid UTF-8 is a
 * `protocol` failure, never a harness crash.
 */

/** Largest output or message a plugin may return by default, in bytes (64 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES = CONTRACT_LIMITS.defaultMaxOutputBytes;

export class ProtocolViolation extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtocolViolation(`${what} is not valid UTF-8`);
  }
}

/** Linear memory as the decoders read it; a `LinearMemory` keeps these views across calls. */
export interface MemoryView {
  readonly bytes: Uint8Array;
  readonly data: DataView;
  readonly byteLength: number;
}

const viewOf = (memory: ArrayBuffer | MemoryView): MemoryView => {
  if ('bytes' in memory) return memory;
  return { bytes: new Uint8Array(memory), data: new DataView(memory), byteLength: memory.byteLength };
};

function checkRange(memory: MemoryView, ptr: number, len: number, maxBytes: number, what: string): void {
  if (len > maxBytes) throw new ProtocolViolation(`${what} is ${len} bytes, past the output limit of ${maxBytes}`);
  if (ptr + len > memory.byteLength) {
    throw new ProtocolViolation(
      `${what} at [${ptr}, ${ptr + len}) lies outside linear memory of ${memory.byteLength} bytes`,
    );
  }
}

/** A view (not a copy) of `len` bytes at `ptr` in linear memory, after checking the range. */
export function readList(memory: MemoryView, ptr: number, len: number, maxBytes: number, what: string): Uint8Array {
  checkRange(memory, ptr, len, maxBytes, what);
  return memory.bytes.subarray(ptr, ptr + len);
}

/** Reads a `string` return area: `[ptr: u32, len: u32]` (describe). */
export function decodeStringReturn(
  buffer: ArrayBuffer | MemoryView,
  retptr: number,
  maxBytes: number,
  what: string,
): string {
  const memory = viewOf(buffer);
  checkRange(memory, retptr, 8, 8, 'the return area');
  const view = memory.data;
  return decodeUtf8(
    readList(memory, view.getUint32(retptr, true), view.getUint32(retptr + 4, true), maxBytes, what),
    what,
  );
}

/**
 * Reads a `result<list<u8>, plugin-error>` (or `result<_, plugin-error>` when `hasOk` is false)
 * return area: discriminant u8 at 0; ok list at 4/8; error code u8 at 4, message at 8/12.
 * The output is a view into linear memory: copy it before the post-return frees it.
 */
export function decodeResultReturn(
  buffer: ArrayBuffer | MemoryView,
  retptr: number,
  hasOk: boolean,
  maxBytes: number,
): { ok: true; output: Uint8Array } | { ok: false; failure: CallFailure } {
  const memory = viewOf(buffer);
  checkRange(memory, retptr, 16, 16, 'the return area');
  const view = memory.data;
  const discriminant = view.getUint8(retptr);
  if (discriminant === 0) {
    const output = hasOk
      ? readList(memory, view.getUint32(retptr + 4, true), view.getUint32(retptr + 8, true), maxBytes, 'the output')
      : new Uint8Array();
    return { ok: true, output };
  }
  if (discriminant !== 1)
    throw new ProtocolViolation(`result discriminant ${discriminant} is neither 0 (ok) nor 1 (err)`);
  const codeIndex = view.getUint8(retptr + 4);
  const code = ERROR_CODES[codeIndex];
  if (code === undefined)
    throw new ProtocolViolation(
      `error code ${codeIndex} is not one of 0..${ERROR_CODES.length - 1} (${ERROR_CODES.join(', ')})`,
    );
  const message = decodeUtf8(
    readList(
      memory,
      view.getUint32(retptr + 8, true),
      view.getUint32(retptr + 12, true),
      maxBytes,
      'the error message',
    ),
    'the error message',
  );
  return { ok: false, failure: { kind: 'plugin', code, message } };
}
