import { PluginLoadError } from '../contract/errors.ts';
import { CONTRACT_LIMITS } from '../contract/generated.ts';

/** Bytes in one wasm page. */
export const WASM_PAGE_BYTES = CONTRACT_LIMITS.wasmPageBytes;

/** Pages a 32-bit memory can hold: 4 GiB. */
const MAX_WASM32_PAGES = CONTRACT_LIMITS.maxWasm32Pages;

function readU32Leb(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && shift < 35; i++, shift += 7) {
    value += (bytes[i]! & 0x7f) * 2 ** shift;
    if ((bytes[i]! & 0x80) === 0) return [value, i + 1];
  }
  throw new PluginLoadError('rejected', 'the core module has a malformed LEB128 number');
}

function u32Leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/**
 * Returns a copy of a core module whose defined memory may grow to at most `maxBytes`, so
 * `memory.grow` fails at the quota (the engine enforces it; nothing polls). A module whose
 * initial memory already exceeds the quota is refused.
 */
export function limitMemory(module: Uint8Array, maxBytes: number): Uint8Array {
  // A 32-bit memory holds at most MAX_WASM32_PAGES (4 GiB), whatever the quota.
  const maxPages = Math.min(Math.floor(maxBytes / WASM_PAGE_BYTES), MAX_WASM32_PAGES);
  let offset = 8;
  while (offset < module.length) {
    const id = module[offset]!;
    const [size, contentStart] = readU32Leb(module, offset + 1);
    const end = contentStart + size;
    if (id !== 5) {
      offset = end;
      continue;
    }
    const [count, first] = readU32Leb(module, contentStart);
    const limits: number[] = u32Leb(count);
    let at = first;
    for (let i = 0; i < count; i++) {
      const flags = module[at]!;
      if (flags > 1)
        throw new PluginLoadError(
          'rejected',
          `memory ${i} has limit flags 0x${flags.toString(16)} (shared or 64-bit), which contract 1.0 does not allow`,
        );
      const [min, afterMin] = readU32Leb(module, at + 1);
      let next = afterMin;
      let max = maxPages;
      if (flags === 1) {
        const [declaredMax, afterMax] = readU32Leb(module, afterMin);
        max = Math.min(declaredMax, maxPages);
        next = afterMax;
      }
      if (min > maxPages) {
        throw new PluginLoadError(
          'incompatible',
          `the module's initial memory is ${min * WASM_PAGE_BYTES} bytes, more than the memory quota of ` +
            `${maxBytes} bytes; raise the quota with \`--memory-quota\``,
        );
      }
      limits.push(1, ...u32Leb(min), ...u32Leb(max));
      at = next;
    }
    const section = [5, ...u32Leb(limits.length), ...limits];
    const patched = new Uint8Array(offset + section.length + (module.length - end));
    patched.set(module.subarray(0, offset), 0);
    patched.set(section, offset);
    patched.set(module.subarray(end), offset + section.length);
    return patched;
  }
  return module;
}

/** Compiles a core module held to the memory quota; one that does not compile is `rejected`, with what to rebuild. */
export async function compileWithinQuota(
  bytes: Uint8Array,
  maxBytes: number,
  what: string,
  rebuild: string,
): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(limitMemory(bytes, maxBytes) as BufferSource);
  } catch (e) {
    if (e instanceof PluginLoadError) throw e;
    throw new PluginLoadError('rejected', `${what} does not compile (${(e as Error).message}); ${rebuild}`);
  }
}
