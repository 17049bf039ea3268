import type { Lane } from '../lanes/lane.ts';

/** Growth of linear memory per call above which an op leaks, in bytes. */
export const LEAK_BOUND_BYTES_PER_CALL = 8;

/**
 * The no-leak property on a wasm lane: after a warm-up, linear memory must stop growing while
 * the op runs over and over. Returns the measured slope in bytes per call, or undefined on a
 * lane that does not report linear memory (native: RSS is too coarse to judge a few bytes).
 */
export async function memorySlopePerCall(lane: Lane, op: string, inputs: readonly Uint8Array[], calls = 3000): Promise<number | undefined> {
  if ((await lane.memory()).wasmMemoryBytes === undefined) return undefined;
  for (let i = 0; i < calls / 5; i++) await lane.call(op, inputs[i % inputs.length]!);
  const first = (await lane.memory()).wasmMemoryBytes!;
  for (let i = 0; i < calls; i++) await lane.call(op, inputs[i % inputs.length]!);
  const last = (await lane.memory()).wasmMemoryBytes!;
  return (last - first) / calls;
}
