import { POISONING_KINDS } from '../contract/errors.ts';
import type { CallOptions, Lane } from '../isolations/lane.ts';

/** Growth of linear memory per call above which an op leaks, in bytes. */
export const LEAK_BOUND_BYTES_PER_CALL = 8;

/**
 * The no-leak property on a wasm lane: after a warm-up, linear memory must stop growing while
 * the op runs over and over. Returns the measured slope in bytes per call, or undefined on a
 * lane that does not report linear memory (native: RSS is too coarse to judge a few bytes), or
 * when a call poisoned the instance (timeout, trap, quota): its replacement's memory is another's.
 */
export async function memorySlopePerCall(
  lane: Lane,
  op: string,
  inputs: readonly Uint8Array[],
  calls = 3000,
  options: CallOptions = {},
): Promise<number | undefined> {
  if ((await lane.memory()).wasmMemoryBytes === undefined) return undefined;
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const { outcome } = await lane.call(op, inputs[i % inputs.length]!, options);
      if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind)) return false;
    }
    return true;
  };
  if (!(await run(calls / 5))) return undefined;
  const first = (await lane.memory()).wasmMemoryBytes!;
  if (!(await run(calls))) return undefined;
  const last = (await lane.memory()).wasmMemoryBytes!;
  return (last - first) / calls;
}
