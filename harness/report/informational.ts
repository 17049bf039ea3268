import type { CheckResult, FuzzFailure } from './results.ts';

/** Names a check answers to in `--informational`: `fault.spin`, `native@process fault.spin`. */
export const checkKeys = (c: CheckResult) => [c.id, `${c.lane} ${c.id}`];
/** Names a fuzz finding answers to: `fuzz.no-leak`, `fuzz.lz`, `fuzz.lz.decompress`. */
export const fuzzKeys = (f: FuzzFailure) => [`fuzz.${f.property}`, `fuzz.${f.plugin}`, `fuzz.${f.plugin}.${f.op}`];

export function isInformational(informational: readonly string[] | undefined, keys: readonly string[]): boolean {
  return (informational ?? []).some((name) => keys.includes(name));
}
