/** Most candidate inputs tried while shrinking one finding. */
export const SHRINK_MAX_ATTEMPTS = 4000;

/** Inputs up to this long are shrunk with every chunk size. */
const SHORT_INPUT_BYTES = 64;

/**
 * Byte-level minimisation where fast-check's shrinker does not apply (inputs the guided loop
 * made): removes ever smaller chunks, then lowers bytes to zero, keeping each change that
 * still fails the same way.
 */
export async function shrinkBytes(
  input: Uint8Array,
  stillFails: (candidate: Uint8Array) => Promise<boolean>,
  maxAttempts = SHRINK_MAX_ATTEMPTS,
): Promise<{ input: Uint8Array; attempts: number }> {
  let best = input;
  let attempts = 0;
  const tryCandidate = async (candidate: Uint8Array) => {
    attempts++;
    if (!(await stillFails(candidate))) return false;
    best = candidate;
    return true;
  };
  // Every chunk size on short inputs (a record of 2 bytes only goes as a whole), halving on long ones.
  const smaller = (chunk: number) => (chunk > SHORT_INPUT_BYTES ? chunk >> 1 : chunk - 1);
  for (let chunk = Math.max(1, best.length - 1); chunk >= 1 && attempts < maxAttempts; chunk = smaller(chunk)) {
    for (let at = 0; at < best.length && attempts < maxAttempts;) {
      const candidate = new Uint8Array(best.length - Math.min(chunk, best.length - at));
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      if (!(await tryCandidate(candidate))) at += chunk;
    }
  }
  for (let at = 0; at < best.length && attempts < maxAttempts; at++) {
    if (best[at] === 0) continue;
    const candidate = best.slice();
    candidate[at] = 0;
    await tryCandidate(candidate);
  }
  return { input: best, attempts };
}
