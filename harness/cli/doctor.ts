import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findGo, GO_INSTALL, goHostBinary } from '../build/go-host.ts';
import { detectToolchain, INSTALL_COMMAND } from '../build/toolchain.ts';
import { environment } from '../measure/environment.ts';
import { allLanes, availableLanes } from '../lanes/registry.ts';
import { currentProject } from '../project/project.ts';
import { CHROMIUM_INSTALL, findChromium } from '../report/chromium.ts';
import { type CliCommand, EXIT } from './command.ts';

interface Finding {
  what: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** What only some tests or lanes need: missing, it does not fail the doctor. */
  optional?: boolean;
}

function probe(what: string, run: () => string, fix: string): Finding {
  try {
    return { what, ok: true, detail: run() };
  } catch (e) {
    return { what, ok: false, detail: (e as Error).message.split('\n')[0]!, fix };
  }
}

/** The registered lanes this machine can open, and why the others cannot (an isolation's host is missing). */
function lanesHere(): Finding {
  const missing: string[] = [];
  const open = availableLanes((line) => missing.push(line)).length;
  const detail = [`${open} of ${allLanes().length} lanes open here`, ...missing].join('; ');
  return { what: 'lanes', ok: missing.length === 0, detail, optional: true };
}

export const doctorCommand: CliCommand<Record<string, never>> = {
  command: 'doctor',
  describe:
    'Check what plugbench needs (toolchain, koffi, jco, Chromium, Go) and print the command that fixes each gap',
  builder: (yargs) => yargs as never,
  handler: async () => {
    const toolchain = detectToolchain();
    const findings: Finding[] = [
      {
        what: 'node',
        ok: Number(process.versions.node.split('.')[0]) >= 20,
        detail: process.version,
        fix: 'install Node 20 or newer',
      },
      toolchain
        ? { what: 'rust (wasm32 + native)', ok: true, detail: toolchain.description }
        : {
            what: 'rust (wasm32 + native)',
            ok: false,
            detail: 'no rustc that can build wasm32-unknown-unknown',
            fix: INSTALL_COMMAND,
          },
      probe(
        'koffi',
        () => {
          const script = 'console.log(require("koffi").version)';
          return `koffi ${execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()}`;
        },
        'npm ci',
      ),
      probe(
        'jco',
        () => {
          execFileSync(process.execPath, ['-e', 'import("@bytecodealliance/jco")'], { stdio: 'ignore' });
          return '@bytecodealliance/jco loads';
        },
        'npm ci',
      ),
      existsSync(currentProject().buildDir)
        ? { what: 'built plugins', ok: true, detail: currentProject().buildDir }
        : { what: 'built plugins', ok: false, detail: 'not built', fix: 'npx plugbench build' },
      (() => {
        const chromium = findChromium();
        return chromium
          ? { what: 'chromium (report test)', ok: true, detail: chromium }
          : { what: 'chromium (report test)', ok: false, detail: 'not found', fix: CHROMIUM_INSTALL, optional: true };
      })(),
      {
        ...probe(
          'go host (@go lanes)',
          () => `${execFileSync(findGo() ?? 'go', ['version'], { encoding: 'utf8' }).trim()}; ${goHostBinary()}`,
          GO_INSTALL,
        ),
        optional: true,
      },
      lanesHere(),
    ];
    for (const f of findings)
      console.log(
        `${f.ok ? 'ok     ' : 'MISSING'} ${f.what.padEnd(24)} ` +
          `${f.detail}${!f.ok && f.fix ? `\n        fix: ${f.fix}` : ''}`,
      );
    const env = environment();
    console.log(
      `\nfingerprint ${env.fingerprint}: ${env.cpu}, ${env.cores} cores, ${env.os}, Node ${env.node}, lockfile ` +
        `${env.lockfile}, commit ${env.commit}`,
    );
    return findings.every((f) => f.ok || f.optional) ? EXIT.pass : EXIT.usage;
  },
};
