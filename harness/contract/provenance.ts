import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { PluginLoadError, UsageError } from './errors.ts';
import { keyIdOf, type TrustedKey } from './keys.ts';
import type { OpSpec } from './manifest.ts';

/** One file of an artifact, by path relative to the plugin directory. */
export interface ArtifactFile {
  file: string;
  sha256: string;
}

/** The built forms of a plugin. The component lane loads the transpiled files, not the component itself. */
export interface Artifacts {
  wasm?: ArtifactFile;
  component?: ArtifactFile & { transpiled: ArtifactFile[] };
  native?: ArtifactFile;
}

/**
 * Instrumented builds for guided fuzzing (SanitizerCoverage counters and compare tracing).
 * Only the fuzzer loads them: they are slower and import `env::__sanitizer_cov_*`, which the
 * negotiation refuses for any other load, so they are never timed.
 */
export interface CoverageArtifacts {
  /** `crate`: the plugin's own crate only; `all`: its dependencies and std too. */
  scope: 'crate' | 'all';
  /** The rustc flags that made them (informational). */
  flags: string[];
  /** SHA-256 of the plain core module built from the same source in the same build. */
  fromWasm: string;
  wasm: ArtifactFile;
  native: ArtifactFile;
}

/** What plugin.json records of an Extism plugin, besides its artifact. */
export interface ExtismMeta {
  ops: OpSpec[];
  /** The module imports WASI preview 1 (built for wasm32-wasip1): the SDK provides it. */
  wasi: boolean;
}

/** plugin.json without its signature: what the signature covers. */
export interface UnsignedPluginMeta {
  schema: 'plugbench/plugin@1';
  name: string;
  version: string;
  abi: string;
  artifacts: Artifacts;
  coverage?: CoverageArtifacts;
  /** Extism plugins (`abi` `extism`): the ops and whether WASI is provided, as `plugbench sign` recorded them. */
  extism?: ExtismMeta;
  /** Informational: toolchain and build settings. */
  build?: Record<string, unknown>;
}

export interface PluginMeta extends UnsignedPluginMeta {
  signature: { algorithm: 'ed25519'; keyId: string; value: string };
}

const schema = JSON.parse(readFileSync(new URL('./plugin.schema.json', import.meta.url), 'utf8'));
const validateMeta = new Ajv({ allErrors: true }).compile<PluginMeta>(schema);

/** JSON with object keys sorted at every depth: the bytes a signature is made over. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function signPluginMeta(unsigned: UnsignedPluginMeta, privateKey: KeyObject): PluginMeta {
  const value = sign(null, Buffer.from(canonicalJson(unsigned)), privateKey).toString('base64');
  return { ...unsigned, signature: { algorithm: 'ed25519', keyId: keyIdOf(createPublicKey(privateKey)), value } };
}

/**
 * Reads plugin.json from a built plugin directory and checks its signature against the
 * trusted keys. Throws `rejected` naming what failed and how to fix it.
 */
export function readSignedPluginMeta(dir: string, trusted: readonly TrustedKey[]): PluginMeta {
  const path = join(dir, 'plugin.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(
        `no plugin.json in \`${dir}\`: build the plugin with \`plugbench build\`, or sign a module built ` +
          `elsewhere with \`plugbench sign FILE.wasm --out DIR\``,
      );
    throw new PluginLoadError(
      'rejected',
      `\`${path}\` is not valid JSON (${(e as Error).message}); rebuild it with \`plugbench build\``,
    );
  }
  if (!validateMeta(raw)) {
    const problems = (validateMeta.errors ?? []).map((e) => `\`${e.instancePath || '/'}\` ${e.message}`);
    throw new PluginLoadError('rejected', `\`${path}\` is malformed:\n${problems.join('\n')}`);
  }
  const { signature, ...unsigned } = raw;
  const key = trusted.find((k) => k.keyId === signature.keyId);
  if (key === undefined) {
    throw new PluginLoadError(
      'rejected',
      `\`${path}\` is signed by key \`${signature.keyId}\`, which is not trusted (trusted: ` +
        `${trusted.map((k) => `\`${k.keyId}\``).join(', ') || 'none'}); pass its public key with \`--trust FILE\``,
    );
  }
  if (!verify(null, Buffer.from(canonicalJson(unsigned)), key.key, Buffer.from(signature.value, 'base64'))) {
    throw new PluginLoadError(
      'rejected',
      `the signature of \`${path}\` does not match its contents: the file was changed after signing; rebuild the ` +
        `plugin with \`plugbench build\``,
    );
  }
  return raw;
}

/**
 * Reads an artifact file once and checks its SHA-256. The returned bytes are the ones that
 * must be compiled or loaded, so nothing can swap the file between check and use.
 */
export function readVerifiedArtifact(dir: string, artifact: ArtifactFile): Buffer {
  const path = join(dir, artifact.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new PluginLoadError(
      'rejected',
      `artifact \`${path}\` cannot be read (${(e as NodeJS.ErrnoException).code}); rebuild the plugin with ` +
        `\`plugbench build\``,
    );
  }
  const actual = sha256Hex(bytes);
  if (actual !== artifact.sha256) {
    throw new PluginLoadError(
      'rejected',
      `artifact \`${artifact.file}\` has SHA-256 ${actual}, but plugin.json lists ${artifact.sha256}: the file ` +
        `changed after it was signed; rebuild the plugin with \`plugbench build\``,
    );
  }
  return bytes;
}
