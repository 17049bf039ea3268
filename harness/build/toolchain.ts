import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { UsageError } from '../contract/errors.ts';

/**
 * One Rust compiler that builds both the wasm32 core module and the native cdylib, found on
 * this machine (see ../shared/notes/toolchain.md):
 * - a rustc whose sysroot already has the wasm32-unknown-unknown std (e.g. rustup with the target), or
 * - Debian's rustc-web 1.96 with its std sources, built for wasm32 with `-Zbuild-std`.
 */
export interface Toolchain {
  description: string;
  cargo: string;
  /** Environment for every cargo invocation. */
  env: NodeJS.ProcessEnv;
  /** Extra cargo arguments for the wasm32 build. */
  wasmArgs: string[];
  /** The native target triple (e.g. `x86_64-unknown-linux-gnu`). */
  hostTriple: string;
}

function hostTripleOf(rustc: string, env?: NodeJS.ProcessEnv): string {
  return /^host: (\S+)$/m.exec(run(rustc, ['-vV'], env) ?? '')?.[1] ?? 'x86_64-unknown-linux-gnu';
}

/** Where Debian's `wasi-libc` puts libc for wasm32-wasip1 (Extism WASI plugins). */
const WASI_LIBC_DIR = '/usr/lib/wasm32-wasi';
const WASI_LIBC_COMMAND = 'apt-get install -y --no-install-recommends wasi-libc';

/**
 * Makes sure wasm32-wasip1 plugins can link: Debian's wasi-libc, installed when running as
 * root and `PLUGBENCH_NO_INSTALL` is not set; otherwise says the command to run (exit 2).
 */
export function ensureWasiLibc(log: (line: string) => void): void {
  if (existsSync(`${WASI_LIBC_DIR}/crt1-command.o`)) return;
  if (process.getuid?.() !== 0 || process.env.PLUGBENCH_NO_INSTALL) {
    throw new UsageError(
      `building for wasm32-wasip1 needs Debian's wasi-libc (${WASI_LIBC_DIR}); install it as root with:\n  ` +
        `${WASI_LIBC_COMMAND}`,
    );
  }
  log(`installing wasi-libc for wasm32-wasip1: ${WASI_LIBC_COMMAND}`);
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wasi-libc'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0)
    throw new UsageError(
      `\`${WASI_LIBC_COMMAND}\` failed (exit ${result.status}); run it by hand (after \`apt-get update\`)`,
    );
}

/** The Debian packages that provide the `-Zbuild-std` route. */
export const DEBIAN_PACKAGES = ['rustc-web', 'cargo-web', 'rust-web-src', 'lld-22'];
export const INSTALL_COMMAND = [
  'apt-get update && apt-get install -y --no-install-recommends',
  ...DEBIAN_PACKAGES,
].join(' ');

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env }).trim();
  } catch {
    return undefined;
  }
}

/** A rustc on PATH whose sysroot holds a prebuilt wasm32 std needs nothing more. */
function prebuiltWasmStd(): Toolchain | undefined {
  const libdir = run('rustc', ['--print', 'target-libdir', '--target', 'wasm32-unknown-unknown']);
  if (
    libdir === undefined ||
    !existsSync(libdir) ||
    !readdirSync(libdir).some((f) => f.startsWith('libstd-') && f.endsWith('.rlib'))
  )
    return undefined;
  const version = run('rustc', ['--version']) ?? 'rustc';
  return {
    description: `${version} with its prebuilt wasm32 std`,
    cargo: 'cargo',
    env: { ...process.env },
    wasmArgs: [],
    hostTriple: hostTripleOf('rustc'),
  };
}

function newestWasmLd(): string | undefined {
  if (!existsSync('/usr/lib')) return undefined;
  const versions = readdirSync('/usr/lib')
    .map((d) => /^llvm-(\d+)$/.exec(d)?.[1])
    .filter((v): v is string => v !== undefined && existsSync(`/usr/lib/llvm-${v}/bin/wasm-ld`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `/usr/lib/llvm-${versions[0]}/bin/wasm-ld`;
}

/** Debian's rustc-web with std sources and an LLVM wasm-ld: wasm32 std is built from source. */
function debianBuildStd(): Toolchain | undefined {
  const wasmLd = newestWasmLd();
  if (!existsSync('/usr/bin/rustc') || !existsSync('/usr/bin/cargo') || wasmLd === undefined) return undefined;
  const sysroot = run('/usr/bin/rustc', ['--print', 'sysroot']);
  if (sysroot === undefined || !existsSync(`${sysroot}/lib/rustlib/src/rust/library/Cargo.lock`)) return undefined;
  const version = run('/usr/bin/rustc', ['--version']) ?? '/usr/bin/rustc';
  return {
    description: `${version} (Debian) with -Zbuild-std and ${wasmLd}`,
    cargo: '/usr/bin/cargo',
    env: {
      ...process.env,
      RUSTC: '/usr/bin/rustc',
      RUSTDOC: '/usr/bin/rustdoc',
      RUSTC_BOOTSTRAP: '1',
      RUSTUP_TOOLCHAIN: '',
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER: wasmLd,
      CARGO_TARGET_WASM32_WASIP1_LINKER: wasmLd,
      // Debian's rustc has no self-contained WASI sysroot: Debian's wasi-libc provides libc and the command start-up.
      CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS: [
        '-C link-self-contained=no',
        `-L native=${WASI_LIBC_DIR}`,
        `-C link-arg=${WASI_LIBC_DIR}/crt1-command.o`,
      ].join(' '),
    },
    wasmArgs: ['-Zbuild-std=std,panic_abort'],
    hostTriple: hostTripleOf('/usr/bin/rustc'),
  };
}

export function detectToolchain(): Toolchain | undefined {
  return prebuiltWasmStd() ?? debianBuildStd();
}

/**
 * Finds the toolchain, or installs Debian's packages when running as root and
 * `PLUGBENCH_NO_INSTALL` is not set; otherwise explains the command to run (exit 2).
 */
export function ensureToolchain(log: (line: string) => void): Toolchain {
  const found = detectToolchain();
  if (found) return found;
  const mayInstall = process.getuid?.() === 0 && !process.env.PLUGBENCH_NO_INSTALL;
  if (!mayInstall) {
    throw new UsageError(
      `no Rust toolchain that can build wasm32-unknown-unknown was found. Install one as root with:\n  ` +
        `${INSTALL_COMMAND}\n(or \`rustup target add wasm32-unknown-unknown\` where rustup can download)`,
    );
  }
  log(`installing the Rust wasm32 toolchain: ${INSTALL_COMMAND}`);
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_PACKAGES],
  ]) {
    const result = spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0)
      throw new UsageError(
        `\`apt-get ${args.join(' ')}\` failed (exit ${result.status}); run it by hand:\n  ${INSTALL_COMMAND}`,
      );
  }
  const installed = detectToolchain();
  if (!installed)
    throw new UsageError(
      `the toolchain is still not usable after installing ${DEBIAN_PACKAGES.join(', ')}; see \`plugbench doctor\``,
    );
  return installed;
}
