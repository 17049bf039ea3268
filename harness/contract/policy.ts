/** Capabilities a plugin may be granted; anything else (`net`, `fs`, …) never is. */
export const KNOWN_CAPABILITIES = ['log', 'clock'] as const;
export type Capability = (typeof KNOWN_CAPABILITIES)[number];

// The contract version this host speaks and the wasm import module of the host interface (generated).
export { HOST_ABI, HOST_IMPORT_MODULE } from './generated.ts';

/** Which capability each import of the host interface needs. */
export const IMPORT_CAPABILITY: Readonly<Record<string, Capability | 'always'>> = {
  log: 'log',
  'now-ns': 'clock',
  panicked: 'always',
};

/** Host-side quotas; a plugin may ask for less, never for more. */
export interface Quotas {
  /** Largest memory a plugin instance may use, in bytes. @default DEFAULT_QUOTAS.memoryBytes */
  memoryBytes: number;
  /** Longest deadline a plugin may ask for, in milliseconds. @default DEFAULT_QUOTAS.callTimeoutMs */
  callTimeoutMs: number;
}
/** 256 MiB and 10 s. */
export const DEFAULT_QUOTAS: Quotas = { memoryBytes: 256 * 1024 * 1024, callTimeoutMs: 10_000 };

/** What the host allows a plugin at load time. */
export interface HostPolicy {
  /** @default ['log', 'clock'] */
  grants: ReadonlySet<Capability>;
  quotas: Quotas;
}

export const DEFAULT_POLICY: HostPolicy = { grants: new Set(KNOWN_CAPABILITIES), quotas: DEFAULT_QUOTAS };

/** The fields of a policy that were set, resolved: laid over a host policy by `applyPolicy`. */
export interface PolicyOverrides {
  memoryBytes?: number;
  callTimeoutMs?: number;
  grants?: Capability[];
}

/** A host policy with the set fields of `overrides` in place of its own. */
export function applyPolicy(base: HostPolicy, overrides: PolicyOverrides): HostPolicy {
  return {
    grants: overrides.grants ? new Set(overrides.grants) : base.grants,
    quotas: {
      memoryBytes: overrides.memoryBytes ?? base.quotas.memoryBytes,
      callTimeoutMs: overrides.callTimeoutMs ?? base.quotas.callTimeoutMs,
    },
  };
}
