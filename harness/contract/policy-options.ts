import { type Capability, KNOWN_CAPABILITIES, type PolicyOverrides } from './policy.ts';
import { parseDurationMs } from './duration.ts';
import { parseSizeBytes } from './size.ts';

/**
 * What a host allows its plugins, as a scenario's `policy` or
 * the command line writes it; unset fields keep the defaults.
 */
export interface PolicyOptions {
  /** Largest memory a plugin instance may use: `512MiB`, `2GiB`. @default DEFAULT_QUOTAS.memoryBytes (256 MiB) */
  memoryQuota?: string | number;
  /** Longest deadline a plugin may ask for: `5s`, `500ms`. @default DEFAULT_QUOTAS.callTimeoutMs (10 s) */
  deadlineQuota?: string | number;
  /** The capabilities granted, exactly: a plugin asking for another is refused. @default ['log', 'clock'] */
  grants?: string[];
}

/** One wasm page: no instance fits in less. */
const MIN_MEMORY_QUOTA_BYTES = 64 * 1024;

const POLICY_KEYS: ReadonlyArray<keyof PolicyOptions> = ['memoryQuota', 'deadlineQuota', 'grants'];

/**
 * Validates policy options; `name` says how each field is written where it came from
 * (`--memory-quota`, `policy.memoryQuota`). Returns every problem at once and changes nothing.
 */
export function resolvePolicy(
  raw: PolicyOptions,
  name: (field: keyof PolicyOptions) => string,
): { overrides: PolicyOverrides; problems: string[] } {
  const problems: string[] = [];
  const overrides: PolicyOverrides = {};
  for (const key of Object.keys(raw)) {
    if (!(POLICY_KEYS as readonly string[]).includes(key))
      problems.push(`unknown field \`${key}\` (known: ${POLICY_KEYS.join(', ')})`);
  }
  if (raw.memoryQuota !== undefined) {
    const bytes = parseSizeBytes(raw.memoryQuota);
    if (bytes === undefined)
      problems.push(
        `\`${name('memoryQuota')}\` must be a size like \`512MiB\` or \`2GiB\` (units B, KiB, MiB, GiB), got ` +
          `${JSON.stringify(raw.memoryQuota)}`,
      );
    else if (bytes < MIN_MEMORY_QUOTA_BYTES)
      problems.push(
        `\`${name('memoryQuota')}\` must be at least 64KiB (one wasm page), got ${JSON.stringify(raw.memoryQuota)}`,
      );
    else overrides.memoryBytes = bytes;
  }
  if (raw.deadlineQuota !== undefined) {
    const ms = parseDurationMs(raw.deadlineQuota);
    if (ms === undefined)
      problems.push(
        `\`${name('deadlineQuota')}\` must be a duration like \`5s\` or \`500ms\`, got ` +
          `${JSON.stringify(raw.deadlineQuota)}`,
      );
    else overrides.callTimeoutMs = ms;
  }
  if (raw.grants !== undefined) {
    const grants = Array.isArray(raw.grants)
      ? raw.grants
          .flatMap((g) => String(g).split(','))
          .map((g) => g.trim())
          .filter((g) => g !== '')
      : undefined;
    const unknown = (grants ?? []).filter((g) => !(KNOWN_CAPABILITIES as readonly string[]).includes(g));
    if (grants === undefined)
      problems.push(
        `\`${name('grants')}\` must list capabilities, e.g. \`["log"]\`, got ${JSON.stringify(raw.grants)}`,
      );
    else if (unknown.length > 0)
      problems.push(
        `\`${name('grants')}\`: ${unknown.map((g) => `\`${g}\``).join(', ')} cannot be granted: only ` +
          `${KNOWN_CAPABILITIES.join(', ')} exist, and nothing outside the contract is ever granted`,
      );
    else overrides.grants = [...new Set(grants)] as Capability[];
  }
  return { overrides, problems };
}
