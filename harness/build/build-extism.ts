import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { signArtifact } from './sign-artifact.ts';
import { UsageError } from '../contract/errors.ts';
import { type BuildTarget, cargoBuild } from './cargo.ts';
import { ensureWasiLibc, type Toolchain } from './toolchain.ts';

/** Whether a crate is an Extism plugin: it depends on extism-pdk. */
export function isExtismCrate(crateDir: string): boolean {
  const manifest = join(crateDir, 'Cargo.toml');
  return existsSync(manifest) && /^\s*extism-pdk\b/m.test(readFileSync(manifest, 'utf8'));
}

/**
 * `[package.metadata.plugbench]` of an Extism crate: `ops = ["NAME[:KIND]", …]` (default:
 * every exported function) and `target = "wasm32-wasip1"` for a WASI plugin.
 */
function crateSettings(crateDir: string): { ops: string[]; target: BuildTarget } {
  const text = readFileSync(join(crateDir, 'Cargo.toml'), 'utf8');
  const section = /^\[package\.metadata\.plugbench\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
  const ops = [...(/^\s*ops\s*=\s*\[([^\]]*)\]/m.exec(section)?.[1]?.matchAll(/"([^"]+)"/g) ?? [])].map((m) => m[1]!);
  const target = /^\s*target\s*=\s*"([^"]+)"/m.exec(section)?.[1] ?? 'wasm32';
  if (target !== 'wasm32' && target !== 'wasm32-wasip1') {
    throw new UsageError(
      `\`${crateDir}/Cargo.toml\`: \`package.metadata.plugbench.target\` is \`${target}\`; use ` +
        `\`wasm32-wasip1\` or leave it out (wasm32-unknown-unknown)`,
    );
  }
  return { ops, target };
}

/** Builds an Extism crate for wasm32 (or wasm32-wasip1) and signs it like `plugbench sign`, into `<outDir>/<name>/`. */
export async function buildExtismCrate(
  toolchain: Toolchain,
  crateDir: string,
  outDir: string,
  key: KeyObject,
  targetDir: string,
  log: (line: string) => void,
) {
  const { ops, target } = crateSettings(crateDir);
  if (target === 'wasm32-wasip1') ensureWasiLibc(log);
  log(`cargo: ${crateDir} (Extism, ${target}, ${toolchain.description})`);
  const files = await cargoBuild(
    toolchain,
    { manifestPath: join(crateDir, 'Cargo.toml'), workspace: false },
    target,
    targetDir,
    log,
  );
  const built = files.get(crateDir);
  if (built === undefined)
    throw new UsageError(
      `\`${crateDir}\` built no wasm module: add \`[lib] crate-type = ["cdylib"]\` (or a \`[[bin]]\` for ` +
        `wasm32-wasip1)`,
    );
  const dir = join(outDir, built.name);
  const meta = await signArtifact({
    artifact: built.path,
    ops,
    name: built.name,
    version: built.version,
    key,
    outDir: dir,
    build: { toolchain: toolchain.description, crate: crateDir, target },
  });
  log(`built ${meta.name} ${meta.version} (abi extism${meta.extism?.wasi ? ', WASI' : ''}) → ${dir}`);
  return { name: meta.name, dir, crateDir, componentRebuilt: false };
}
