import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeArtifact, writeAtomically } from './artifact-files.ts';
import { UsageError } from '../contract/errors.ts';
import { loadOrCreateDevKey } from '../contract/keys.ts';
import {
  type ArtifactFile,
  type CoverageArtifacts,
  type PluginMeta,
  sha256Hex,
  signPluginMeta,
  type UnsignedPluginMeta,
} from '../contract/provenance.ts';
import { fixturesWorkspace, stateDir } from '../paths.ts';
import { buildExtismCrate, isExtismCrate } from './build-extism.ts';
import { type CargoManifest, cargoBuild, coverageFlags, type CoverageScope } from './cargo.ts';
import { buildComponent } from './component.ts';
import { describeCoreModule } from './describe-module.ts';
import { ensureToolchain, type Toolchain } from './toolchain.ts';

export interface BuildOptions {
  /** Crate or workspace directories to build. */
  crates: readonly string[];
  /** Where each plugin's directory is written. */
  outDir: string;
  /** Progress lines for a person. @default silent */
  log?: (line: string) => void;
  /** Also build instrumented artifacts for guided fuzzing (never timed). @default no coverage build */
  coverage?: CoverageScope;
  /** Where the signing key and the cargo target dir live. @default the project's `.plugbench/` */
  stateDir?: string;
  /** Only these packages of the workspaces given in `crates`, in one cargo run. @default every member */
  packages?: readonly string[];
}

export interface BuiltPlugin {
  name: string;
  dir: string;
  crateDir: string;
  /** False when the component was reused because the core module did not change. */
  componentRebuilt: boolean;
}

function previousMeta(pluginDir: string): PluginMeta | undefined {
  try {
    return JSON.parse(readFileSync(join(pluginDir, 'plugin.json'), 'utf8')) as PluginMeta;
  } catch {
    return undefined;
  }
}

/** The previous component, when it was made from the same core module and its files are intact. */
function reusableComponent(pluginDir: string, wasmSha: string): PluginMeta['artifacts']['component'] {
  const before = previousMeta(pluginDir);
  const component = before?.artifacts.component;
  if (before?.artifacts.wasm?.sha256 !== wasmSha || component === undefined) return undefined;
  const intact = [component, ...component.transpiled].every(
    (f) => existsSync(join(pluginDir, f.file)) && sha256Hex(readFileSync(join(pluginDir, f.file))) === f.sha256,
  );
  return intact ? component : undefined;
}

/** The previous coverage build, kept when it was made from the same plain core module and its files are intact. */
function reusableCoverage(pluginDir: string, wasmSha: string): CoverageArtifacts | undefined {
  const coverage = previousMeta(pluginDir)?.coverage;
  if (coverage?.fromWasm !== wasmSha) return undefined;
  const intact = [coverage.wasm, coverage.native].every(
    (f) => existsSync(join(pluginDir, f.file)) && sha256Hex(readFileSync(join(pluginDir, f.file))) === f.sha256,
  );
  return intact ? coverage : undefined;
}

/** A crate, or a workspace (a Cargo.toml with `[workspace]` and no `[package]`), whose every cdylib is built. */
function manifestsToBuild(crates: readonly string[], packages: readonly string[] | undefined): CargoManifest[] {
  return crates
    .filter((crate) => !isExtismCrate(resolve(crate)))
    .map((crate) => {
      const manifestPath = join(resolve(crate), 'Cargo.toml');
      if (!existsSync(manifestPath))
        throw new UsageError(
          `\`${crate}\` has no Cargo.toml: give the directory of a crate that implements contract 1.0`,
        );
      const toml = readFileSync(manifestPath, 'utf8');
      const workspace = /^\[workspace\]/m.test(toml) && !/^\[package\]/m.test(toml);
      return { manifestPath, workspace, ...(workspace && packages ? { packages } : {}) };
    });
}

/**
 * Builds plugins into `<outDir>/<name>/`: the core module, the component and its transpiled
 * JavaScript, the native library, and a signed plugin.json listing each file's SHA-256.
 * An Extism crate (one that depends on extism-pdk) gives its core module only.
 */
export async function buildPlugins(options: BuildOptions): Promise<BuiltPlugin[]> {
  const log = options.log ?? (() => {});
  const toolchain = ensureToolchain(log);
  const state = options.stateDir ?? stateDir();
  // A target dir shared across projects (cargo's own variable) saves the wasm32 std build.
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(state, 'target');
  const key = loadOrCreateDevKey(state);
  const built: BuiltPlugin[] = [];
  const extismCrates = options.crates.map((c) => resolve(c)).filter(isExtismCrate);
  for (const crateDir of extismCrates)
    built.push(await buildExtismCrate(toolchain, crateDir, options.outDir, key, targetDir, log));
  for (const manifest of manifestsToBuild(options.crates, options.packages)) {
    log(`cargo: ${manifest.manifestPath} (wasm32 and native, ${toolchain.description})`);
    const wasmFiles = await cargoBuild(toolchain, manifest, 'wasm32', targetDir, log);
    const nativeFiles = await cargoBuild(toolchain, manifest, 'native', targetDir, log);
    if (wasmFiles.size === 0)
      throw new UsageError(
        `\`${manifest.manifestPath}\` built no cdylib: add \`[lib] crate-type = ["cdylib"]\` to the crate`,
      );
    for (const [crateDir, wasmPath] of wasmFiles) {
      const nativePath = nativeFiles.get(crateDir);
      if (nativePath === undefined)
        throw new UsageError(`\`${crateDir}\` built for wasm32 but produced no native library`);
      const instrumented =
        options.coverage === undefined
          ? undefined
          : await buildInstrumented(toolchain, crateDir, options.coverage, log);
      built.push(
        await packagePlugin(
          crateDir,
          readFileSync(wasmPath.path),
          readFileSync(nativePath.path),
          options.outDir,
          key,
          toolchain.description,
          log,
          instrumented,
        ),
      );
    }
  }
  return built;
}

interface InstrumentedBuild {
  scope: CoverageScope;
  wasm: Buffer;
  native: Buffer;
}

/** The plugin crate built again with SanitizerCoverage, in target dirs of their own so the plain build stays cached. */
async function buildInstrumented(
  toolchain: Toolchain,
  crateDir: string,
  scope: CoverageScope,
  log: (line: string) => void,
): Promise<InstrumentedBuild> {
  const crate = { manifestPath: join(crateDir, 'Cargo.toml'), workspace: false };
  const targetDir = join(stateDir(), `target-coverage-${scope}`);
  log(`cargo: ${crateDir} with coverage (${scope === 'crate' ? 'the plugin crate only' : 'dependencies and std too'})`);
  const [wasm, native] = [
    await cargoBuild(toolchain, crate, 'wasm32', targetDir, log, scope),
    await cargoBuild(toolchain, crate, 'native', targetDir, log, scope),
  ];
  const wasmPath = wasm.get(crateDir);
  const nativePath = native.get(crateDir);
  if (wasmPath === undefined || nativePath === undefined)
    throw new UsageError(`\`${crateDir}\` built no instrumented cdylib for both targets`);
  return { scope, wasm: readFileSync(wasmPath.path), native: readFileSync(nativePath.path) };
}

async function packagePlugin(
  crateDir: string,
  wasm: Buffer,
  native: Buffer,
  outDir: string,
  key: ReturnType<typeof loadOrCreateDevKey>,
  toolchain: string,
  log: (line: string) => void,
  instrumented: InstrumentedBuild | undefined,
): Promise<BuiltPlugin> {
  const identity = await describeCoreModule(wasm, crateDir);
  const pluginDir = join(outDir, identity.name);
  const wasmArtifact = writeArtifact(pluginDir, `${identity.name}.wasm`, wasm);
  let component = reusableComponent(pluginDir, wasmArtifact.sha256);
  const componentRebuilt = component === undefined;
  if (component === undefined) {
    const made = await buildComponent(wasm, identity.name);
    rmSync(join(pluginDir, 'component'), { recursive: true, force: true });
    component = {
      ...writeArtifact(pluginDir, `${identity.name}.component.wasm`, made.component),
      transpiled: [...made.transpiled].map(([file, bytes]) => writeArtifact(pluginDir, `component/${file}`, bytes)),
    };
  }
  const coverage: CoverageArtifacts | undefined =
    instrumented === undefined
      ? reusableCoverage(pluginDir, wasmArtifact.sha256)
      : {
          scope: instrumented.scope,
          flags: coverageFlags('wasm32'),
          fromWasm: wasmArtifact.sha256,
          wasm: writeArtifact(pluginDir, `${identity.name}.coverage.wasm`, instrumented.wasm),
          native: writeArtifact(pluginDir, `lib${identity.name}.coverage.so`, instrumented.native),
        };
  const unsigned: UnsignedPluginMeta = {
    schema: 'plugbench/plugin@1',
    ...identity,
    artifacts: { wasm: wasmArtifact, component, native: writeArtifact(pluginDir, `lib${identity.name}.so`, native) },
    ...(coverage ? { coverage } : {}),
    build: { toolchain, crate: crateDir },
  };
  writeAtomically(join(pluginDir, 'plugin.json'), `${JSON.stringify(signPluginMeta(unsigned, key), null, 2)}\n`);
  const notes = [
    componentRebuilt ? '' : 'component unchanged',
    coverage ? `coverage build: ${coverage.scope}` : '',
  ].filter(Boolean);
  log(
    `built ${identity.name} ${identity.version} (abi ${identity.abi}) → ` +
      `${pluginDir}${notes.length ? ` (${notes.join('; ')})` : ''}`,
  );
  return { name: identity.name, dir: pluginDir, crateDir, componentRebuilt };
}
