import { PluginLoadError } from './errors.ts';
import { type Manifest, parseAbi, parseManifest } from './manifest.ts';
import {
  type Capability,
  HOST_ABI,
  HOST_IMPORT_MODULE,
  type HostPolicy,
  IMPORT_CAPABILITY,
  KNOWN_CAPABILITIES,
} from './policy.ts';

/** What plugin.json says of the plugin; `describe` must agree with it. */
export interface DeclaredIdentity {
  name: string;
  version: string;
  abi: string;
}

/** Coverage builds import the SanitizerCoverage callbacks from `env` (allowed for them only). */
const SANITIZER_IMPORT_MODULE = 'env';
const SANITIZER_IMPORT_PREFIX = '__sanitizer_cov_';

const list = (items: Iterable<string>) => [...items].map((c) => `\`${c}\``).join(', ') || 'nothing';

function abiProblem(abi: string, where: string): string | undefined {
  const { major, minor } = parseAbi(abi);
  if (major === HOST_ABI.major && minor <= HOST_ABI.minor) return undefined;
  return (
    `${where} ${abi} is not supported: this host speaks contract ${HOST_ABI.major}.${HOST_ABI.minor} (same ` +
    `major, minor at most ${HOST_ABI.minor}); rebuild the plugin against contract ${HOST_ABI.major}.${HOST_ABI.minor}`
  );
}

/** Checks the native `plugbench_abi()` value before any other plugin code runs. */
export function checkNativeAbi(packed: number): void {
  const problem = abiProblem(`${packed >>> 16}.${packed & 0xffff}`, '`plugbench_abi()` reports ABI');
  if (problem) throw new PluginLoadError('incompatible', problem);
}

/** What `--grant` takes to grant `capability` as well: it lists the grants exactly. */
const grantWith = (policy: HostPolicy, capability: Capability) => [...policy.grants, capability].join(',');

/**
 * Checks a core module's imports against the contract and the grant, before instantiation.
 * Returns the capabilities the imports need.
 */
export function checkWasmImports(
  imports: WebAssembly.ModuleImportDescriptor[],
  policy: HostPolicy,
  coverageBuild = false,
): Set<Capability> {
  const problems: string[] = [];
  const needed = new Set<Capability>();
  for (const { module, name, kind } of imports) {
    if (module === SANITIZER_IMPORT_MODULE && name.startsWith(SANITIZER_IMPORT_PREFIX) && kind === 'function') {
      if (!coverageBuild)
        problems.push(
          `wasm import \`${module}::${name}\` comes from a coverage build (\`plugbench build --coverage\`), ` +
            `which only guided fuzzing loads and which is never timed; load the plain artifact (\`<name>.wasm\`) ` +
            `instead`,
        );
      continue;
    }
    const capability = module === HOST_IMPORT_MODULE && kind === 'function' ? IMPORT_CAPABILITY[name] : undefined;
    if (capability === undefined) {
      problems.push(
        `wasm import \`${module}::${name}\` (${kind}) is outside the contract: only functions \`log\`, ` +
          `\`panicked\`, \`now-ns\` of \`${HOST_IMPORT_MODULE}\` exist; remove the dependency that imports it`,
      );
    } else if (capability !== 'always') {
      needed.add(capability);
      if (!policy.grants.has(capability)) {
        problems.push(
          `wasm import \`${name}\` needs capability \`${capability}\`, which the host does not grant (granted: ` +
            `${list(policy.grants)}); grant it with \`--grant ${grantWith(policy, capability)}\` or stop using it`,
        );
      }
    }
  }
  if (problems.length > 0) throw new PluginLoadError('incompatible', problems.join('\n'));
  return needed;
}

/**
 * Negotiates a load: validates the manifest from `describe`, compares it with plugin.json,
 * and holds its ABI, capabilities and limits to the host's policy. Throws a PluginLoadError
 * listing every problem; returns the manifest when the load may go on.
 */
export function negotiate(
  describeJson: string,
  declared: DeclaredIdentity,
  policy: HostPolicy,
  importedCapabilities?: ReadonlySet<Capability>,
): Manifest {
  const parsed = parseManifest(describeJson);
  if (parsed.manifest === undefined) {
    throw new PluginLoadError(
      'protocol',
      `the manifest from \`describe\` is malformed:\n${parsed.problems.join('\n')}`,
    );
  }
  const manifest = parsed.manifest;
  const abi = abiProblem(manifest.abi, "the manifest's `abi`");
  const problems = [
    ...(abi ? [abi] : []),
    ...identityProblems(manifest, declared),
    ...capabilityProblems(manifest, policy, importedCapabilities),
    ...limitProblems(manifest, policy),
  ];
  if (problems.length > 0) throw new PluginLoadError('incompatible', problems.join('\n'));
  return manifest;
}

/** `describe` and plugin.json agree on name, version and ABI. */
function identityProblems(manifest: Manifest, declared: DeclaredIdentity): string[] {
  return (['name', 'version', 'abi'] as const)
    .filter((field) => manifest[field] !== declared[field])
    .map(
      (field) =>
        `\`describe\` says ${field} \`${manifest[field]}\` but plugin.json says \`${declared[field]}\`; rebuild ` +
        `the plugin with \`plugbench build\``,
    );
}

/** Capabilities within the contract and granted, and every one the module imports declared. */
function capabilityProblems(
  manifest: Manifest,
  policy: HostPolicy,
  importedCapabilities: ReadonlySet<Capability> | undefined,
): string[] {
  const problems: string[] = [];
  for (const capability of manifest.capabilities) {
    if (!(KNOWN_CAPABILITIES as readonly string[]).includes(capability)) {
      problems.push(
        `capability \`${capability}\` is not part of the contract and is never granted (known: ` +
          `${list(KNOWN_CAPABILITIES)}); remove it from the manifest's \`capabilities\``,
      );
    } else if (!policy.grants.has(capability as Capability)) {
      problems.push(
        `capability \`${capability}\` is not granted (granted: ${list(policy.grants)}); grant it with \`--grant ` +
          `${grantWith(policy, capability as Capability)}\` or remove it from the manifest`,
      );
    }
  }
  for (const capability of importedCapabilities ?? []) {
    if (!manifest.capabilities.includes(capability)) {
      problems.push(
        `the module imports what capability \`${capability}\` covers but the manifest does not declare it; add ` +
          `\`${capability}\` to \`capabilities\``,
      );
    }
  }
  return problems;
}

/** Requested limits within the host's quotas. */
function limitProblems(manifest: Manifest, policy: HostPolicy): string[] {
  const { memoryBytes, callTimeoutMs } = manifest.limits ?? {};
  const problems: string[] = [];
  if (memoryBytes !== undefined && memoryBytes > policy.quotas.memoryBytes) {
    problems.push(
      `\`limits.memoryBytes\` ${memoryBytes} exceeds the host quota of ${policy.quotas.memoryBytes} bytes; ask ` +
        `for less or raise the quota with \`--memory-quota\``,
    );
  }
  if (callTimeoutMs !== undefined && callTimeoutMs > policy.quotas.callTimeoutMs) {
    problems.push(
      `\`limits.callTimeoutMs\` ${callTimeoutMs} exceeds the host quota of ${policy.quotas.callTimeoutMs} ms; ` +
        `ask for less or raise the quota with \`--deadline-quota\``,
    );
  }
  return problems;
}
