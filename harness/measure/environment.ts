import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findGo } from '../build/go-host.ts';
import { detectToolchain } from '../build/toolchain.ts';
import { packageVersion } from '../paths.ts';
import { currentProject } from '../project/project.ts';

/** Where figures were measured; results from different fingerprints are not compared silently. */
export interface Environment {
  /** First 16 hex digits of SHA-256 over everything below except the commit. */
  fingerprint: string;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  toolchain: string;
  /** The Go that builds the Go host (`@go` lanes), or `none`; absent in results from before the Go host. */
  go?: string;
  /** The project's lockfile (first 12 hex digits of its SHA-256), or `plugbench@<version>` where it has none. */
  lockfile: string;
  commit: string;
}

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, {
      cwd: currentProject().root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The project's npm lockfile, which pins plugbench and what it loads. */
const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'];

function projectLockfileHash(): string | undefined {
  const found = LOCKFILES.map((name) => join(currentProject().root, name)).find((path) => existsSync(path));
  return found && createHash('sha256').update(readFileSync(found)).digest('hex').slice(0, 12);
}

export function environment(): Environment {
  const lockfile = projectLockfileHash() ?? `plugbench@${packageVersion}`;
  const described = {
    node: process.version,
    os: `${process.platform} ${release()} ${process.arch}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    toolchain: detectToolchain()?.description ?? 'none',
    go: quiet(findGo() ?? 'go', ['version'])?.replace(/^go version /, '') ?? 'none',
    lockfile,
  };
  const fingerprint = createHash('sha256').update(JSON.stringify(described)).digest('hex').slice(0, 16);
  return { fingerprint, ...described, commit: quiet('git', ['rev-parse', '--short=12', 'HEAD']) ?? 'unknown' };
}
