import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { writeArtifact, writeAtomically } from './artifact-files.ts';
import { describeCoreModule } from './describe-module.ts';
import { UsageError } from '../contract/errors.ts';
import type { InputKind, OpSpec } from '../contract/manifest.ts';
import { HOST_IMPORT_MODULE } from '../contract/policy.ts';
import { type PluginMeta, signPluginMeta, type UnsignedPluginMeta } from '../contract/provenance.ts';
import { defaultOps, EXTISM_ABI, isExtismModule, WASI_IMPORT_MODULE } from '../abi/extism.ts';

const INPUT_KINDS: readonly InputKind[] = ['bytes', 'utf8', 'image', 'u64'];

export interface SignOptions {
  /** The core module to sign (a `.wasm` built anywhere). */
  artifact: string;
  /**
   * `NAME[:KIND]` per op (Extism); KIND defaults to `bytes`.
   * @default every exported function that is not a runtime's
   */
  ops?: readonly string[];
  /** @default the file name without `.wasm` */
  name?: string;
  /** @default `0.0.0` */
  version?: string;
  /** The signing key. */
  key: KeyObject;
  /** The plugin directory to write: the artifact copied and plugin.json. */
  outDir: string;
  /** plugin.json's informational `build`. @default where the artifact was signed from */
  build?: Record<string, unknown>;
}

/** Reads an Ed25519 private key (PEM, PKCS#8) for `--key`. */
export function readSigningKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (e) {
    throw new UsageError(
      `cannot read signing key \`${path}\` (${(e as Error).message}): give a PEM Ed25519 private key, as ` +
        `.plugbench/keys/dev.key`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new UsageError(`signing key \`${path}\` is ${key.asymmetricKeyType}, not ed25519`);
  return key;
}

function parseOps(values: readonly string[], exported: ReadonlySet<string>): OpSpec[] {
  const problems: string[] = [];
  const ops = values.map((value) => {
    const [name = '', kind = 'bytes', extra] = value.split(':');
    if (extra !== undefined || !INPUT_KINDS.includes(kind as InputKind))
      problems.push(`\`--op ${value}\`: write NAME or NAME:KIND with KIND one of ${INPUT_KINDS.join(', ')}`);
    else if (!exported.has(name))
      problems.push(
        `\`--op ${value}\`: the module exports no function \`${name}\` (it exports: ` +
          `${[...exported].join(', ') || 'none'})`,
      );
    return { name, input: kind as InputKind };
  });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return ops;
}

/**
 * Signs a core module built elsewhere: copies it into `outDir`, records its SHA-256 and its
 * ABI (Extism when it imports `extism:host/env`, contract v1 when it speaks plugbench's own)
 * in a plugin.json signed with `key`, so it loads exactly like a plugin `plugbench build` made.
 */
export async function signArtifact(options: SignOptions): Promise<PluginMeta> {
  const path = resolve(options.artifact);
  let bytes: Buffer;
  let module: WebAssembly.Module;
  try {
    bytes = readFileSync(path);
    module = await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    throw new UsageError(
      `\`${options.artifact}\` is not a WebAssembly core module plugbench can sign (${(e as Error).message}); ` +
        `give the \`.wasm\` file a build produced`,
    );
  }
  const imports = WebAssembly.Module.imports(module);
  const exports = WebAssembly.Module.exports(module);
  const name = options.name ?? basename(path).replace(/\.wasm$/, '');
  const file = `${name}.wasm`;
  let unsigned: UnsignedPluginMeta;
  if (isExtismModule(imports)) {
    const functions = new Set(exports.filter((e) => e.kind === 'function').map((e) => e.name));
    const ops = options.ops?.length
      ? parseOps(options.ops, functions)
      : defaultOps(exports).map((op) => ({ name: op, input: 'bytes' as const }));
    if (ops.length === 0)
      throw new UsageError(
        `\`${options.artifact}\` exports no function that could be an op; name one with \`--op NAME\``,
      );
    const wasi = imports.some((i) => i.module === WASI_IMPORT_MODULE);
    unsigned = {
      schema: 'plugbench/plugin@1',
      name,
      version: options.version ?? '0.0.0',
      abi: EXTISM_ABI,
      artifacts: { wasm: writeArtifact(options.outDir, file, bytes) },
      extism: { ops, wasi },
      build: options.build ?? { signedFrom: path },
    };
  } else if (imports.some((i) => i.module === HOST_IMPORT_MODULE) || exports.some((e) => e.name === 'describe')) {
    if (options.ops?.length)
      throw new UsageError('`--op` is for Extism plugins: a contract 1.0 module lists its ops in `describe`');
    const identity = await describeCoreModule(bytes, path);
    unsigned = {
      schema: 'plugbench/plugin@1',
      ...identity,
      artifacts: { wasm: writeArtifact(options.outDir, `${identity.name}.wasm`, bytes) },
      build: options.build ?? { signedFrom: path },
    };
  } else {
    throw new UsageError(
      `\`${options.artifact}\` speaks no ABI plugbench knows: it imports neither \`extism:host/env\` (Extism) ` +
        `nor \`${HOST_IMPORT_MODULE}\` (contract 1.0)`,
    );
  }
  const meta = signPluginMeta(unsigned, options.key);
  writeAtomically(join(options.outDir, 'plugin.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}
