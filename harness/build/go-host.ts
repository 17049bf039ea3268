import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LaneUnavailableError } from '../contract/errors.ts';
import { packageRoot, stateDir } from '../paths.ts';

/** The Go host's own module: wazero and cgo lanes (`@go`). */
export const goHostSource = join(packageRoot, 'harness', 'hosts', 'go');

export const GO_INSTALL =
  'install Go 1.25 or newer (e.g. `apt-get install -y golang-go` where Debian has it, or from go.dev), with gcc ' +
  'for cgo';

/** The `go` command: on PATH, or where the official tarball puts it. */
export function findGo(): string | undefined {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    if (spawnSync(candidate, ['version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/** Hash of the Go host's sources: the binary is rebuilt exactly when they change. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(goHostSource)
    .filter((f) => /(?<!_test)\.go$|^go\.(mod|sum)$/.test(f))
    .sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(goHostSource, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

let built: string | undefined;

/**
 * The Go host binary for the current sources, built on first use into the state directory
 * (`go build`; modules come from the module proxy the first time).
 */
export function goHostBinary(log?: (line: string) => void): string {
  if (built !== undefined) return built;
  const binary = join(stateDir(), 'go-host', sourceHash(), 'plugbench-go-host');
  if (!existsSync(binary)) {
    const go = findGo();
    if (go === undefined)
      throw new LaneUnavailableError(
        `the \`@go\` lanes need the Go toolchain, which is not on this machine: ${GO_INSTALL}`,
      );
    log?.('building the Go host (wazero, cgo)');
    mkdirSync(join(binary, '..'), { recursive: true });
    const temp = `${binary}.${process.pid}.tmp`;
    const result = spawnSync(go, ['build', '-buildvcs=false', '-trimpath', '-o', temp, '.'], {
      cwd: goHostSource,
      env: { ...process.env, CGO_ENABLED: '1' },
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      const tail = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n').slice(-5).join('\n  ');
      throw new LaneUnavailableError(
        `building the Go host in \`${goHostSource}\` failed:\n  ${tail}\nIt needs Go 1.25+, gcc (cgo) and the Go ` +
          `module proxy on first build; \`plugbench doctor\` checks them`,
      );
    }
    renameSync(temp, binary);
    // Binaries of earlier sources are not used again (a running one keeps its inode).
    const current = join(binary, '..');
    for (const dir of readdirSync(join(current, '..')))
      if (join(current, '..', dir) !== current) rmSync(join(current, '..', dir), { recursive: true, force: true });
  }
  built = binary;
  return binary;
}
