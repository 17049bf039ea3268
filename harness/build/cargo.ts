import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import type { Toolchain } from './toolchain.ts';

/** `wasm32` is wasm32-unknown-unknown; `wasm32-wasip1` is for WASI command plugins (Extism). */
export type BuildTarget = 'wasm32' | 'wasm32-wasip1' | 'native';

/** A built artifact and the package it came from. */
export interface BuiltFile {
  path: string;
  name: string;
  version: string;
}

const TRIPLES: Partial<Record<BuildTarget, string>> = {
  wasm32: 'wasm32-unknown-unknown',
  'wasm32-wasip1': 'wasm32-wasip1',
};

/** The release profile every plugin is built with, whatever its own Cargo.toml says. */
function profileArgs(target: BuildTarget): string[] {
  const settings = [
    'opt-level=3',
    'lto=true',
    'codegen-units=1',
    'strip=true',
    `panic="${target === 'native' ? 'unwind' : 'abort'}"`,
  ];
  return settings.flatMap((s) => ['--config', `profile.release.${s}`]);
}

/**
 * SanitizerCoverage: inline 8-bit counters per edge and compare tracing, for guided fuzzing
 * (verified recipe: ../shared/notes/coverage.md).
 */
export const COVERAGE_FLAGS = [
  '-Cpasses=sancov-module',
  '-Cllvm-args=-sanitizer-coverage-level=3',
  '-Cllvm-args=-sanitizer-coverage-inline-8bit-counters',
  '-Cllvm-args=-sanitizer-coverage-trace-compares',
];
/** The host supplies `env::__sanitizer_cov_*`; constructors run once, not around every export. */
const WASM_COVERAGE_LINK_FLAGS = ['-Clink-arg=--allow-undefined', '-Clink-arg=--export=__wasm_call_ctors'];

/** What a coverage build instruments: the plugin's own crate, or its dependencies and std too. */
export type CoverageScope = 'crate' | 'all';

export function coverageFlags(target: BuildTarget): string[] {
  return [...COVERAGE_FLAGS, ...(target === 'wasm32' ? WASM_COVERAGE_LINK_FLAGS : [])];
}

/** A Cargo.toml to build: a single crate, a whole workspace (`--workspace`), or some of its members (`-p`). */
export interface CargoManifest {
  manifestPath: string;
  workspace: boolean;
  /** Only these packages of the workspace. @default every member */
  packages?: readonly string[];
}

/**
 * Builds every cdylib (and, for wasm32-wasip1, every binary) of one Cargo manifest (a crate
 * or a workspace) for one target and returns the built files by crate directory.
 */
export async function cargoBuild(
  toolchain: Toolchain,
  crate: CargoManifest,
  target: BuildTarget,
  targetDir: string,
  log: (line: string) => void,
  coverage?: CoverageScope,
): Promise<Map<string, BuiltFile>> {
  const args = cargoArgs(toolchain, crate, target, targetDir, coverage);
  const env = coverage === 'all' ? { ...toolchain.env, RUSTFLAGS: coverageFlags(target).join(' ') } : toolchain.env;
  const child = spawn(toolchain.cargo, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split('\n')) if (/^\s*(Compiling|Finished)/.test(line)) log(`  ${target}: ${line.trim()}`);
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) {
    throw new UsageError(
      `cargo failed to build \`${crate.manifestPath}\` for ${target} (exit ${status}):\n` +
        stderr.trim().split('\n').slice(-30).join('\n'),
    );
  }
  return builtFiles(stdout, target);
}

/** `cargo build` (or `cargo rustc` for a coverage build of the crate alone) of one manifest for one target. */
function cargoArgs(
  toolchain: Toolchain,
  crate: CargoManifest,
  target: BuildTarget,
  targetDir: string,
  coverage: CoverageScope | undefined,
): string[] {
  const triple = TRIPLES[target];
  // `cargo rustc -- FLAGS` instruments this crate only; RUSTFLAGS reaches every crate, so `all`
  // names the native target explicitly to keep build scripts and proc macros plain.
  const targetArgs = triple
    ? ['--target', triple, ...toolchain.wasmArgs]
    : coverage === 'all'
      ? ['--target', toolchain.hostTriple]
      : [];
  const args = [
    coverage === 'crate' ? 'rustc' : 'build',
    '--release',
    '--manifest-path',
    crate.manifestPath,
    '--target-dir',
    targetDir,
    '--message-format=json-render-diagnostics',
    ...profileArgs(target),
    ...targetArgs,
  ];
  if (crate.packages?.length) args.push(...crate.packages.flatMap((p) => ['-p', p]));
  else if (crate.workspace) args.push('--workspace');
  if (coverage === 'crate') args.push('--lib', '--', ...coverageFlags(target));
  return args;
}

/** The built files cargo's JSON messages name, by crate directory. */
function builtFiles(stdout: string, target: BuildTarget): Map<string, BuiltFile> {
  const built = new Map<string, BuiltFile>();
  const kinds = target === 'wasm32-wasip1' ? ['cdylib', 'bin'] : ['cdylib'];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line) as {
      reason: string;
      package_id?: string;
      manifest_path?: string;
      target?: { kind: string[] };
      filenames?: string[];
    };
    if (message.reason !== 'compiler-artifact' || !message.target?.kind.some((k) => kinds.includes(k))) continue;
    const file = message.filenames?.find((f) => f.endsWith(TRIPLES[target] ? '.wasm' : '.so'));
    if (!file || !message.manifest_path) continue;
    // package_id ends in `#name@version` (or `#version` when the name is the directory's).
    const [, name = '', version = ''] = /#(?:([^@]+)@)?([^#@]+)$/.exec(message.package_id ?? '') ?? [];
    const crateDir = dirname(message.manifest_path);
    built.set(crateDir, { path: file, name: name || basename(crateDir), version });
  }
  return built;
}
