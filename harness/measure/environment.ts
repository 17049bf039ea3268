import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findGo } from '../build/go-host.ts';
import { detectToolchain } from '../build/toolchain.ts';
import { packageRoot } from '../paths.ts';

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
  lockfile: string;
  commit: string;
}

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd: packageRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function environment(): Environment {
  const lockfile = createHash('sha256').update(readFileSync(join(packageRoot, 'package-lock.json'))).digest('hex').slice(0, 12);
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
