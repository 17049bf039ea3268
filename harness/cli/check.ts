import { checkPlugin, runChecks } from '../check/run-checks.ts';
import { projectTrustedKeys } from '../project/trust.ts';
import { type LaneId, laneName } from '../isolations/lane.ts';
import { UsageError } from '../contract/errors.ts';
import { REFERENCE_FIXTURES, referenceFixtures } from '../project/reference-fixtures.ts';
import { currentProject } from '../project/project.ts';
import { availableLanes, parseLanes } from '../lanes/registry.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import { applyGate } from '../gate/apply-gate.ts';
import { resultsEnvelope } from '../report/results.ts';
import { type CliCommand, EXIT, outOption } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

/** The safety matrix on each lane, with the reference fixtures (built into the per-user cache where needed). */
async function checkLanes(lanes: LaneId[], trust: string[] | undefined) {
  const log = (line: string) => console.error(line);
  const fixtures = await referenceFixtures(REFERENCE_FIXTURES, log);
  const plugins = {
    faulty: fixtures.faulty,
    liar: fixtures.liar,
    healthy: fixtures.textkit,
    abiFuture: fixtures['abi-future'],
    greedy: fixtures.greedy,
    extism: { faulty: fixtures['ext-faulty'], healthy: fixtures['ext-textkit'] },
  };
  // Trusted after the build: a first build creates the cache's key.
  return runChecks({ lanes, plugins, trusted: projectTrustedKeys(trust), log });
}

type CheckArgs = {
  plugin?: string[];
  lane?: string[];
  onlyPlugin: boolean;
  out: string;
  trust?: string[];
} & PolicyArgs;

export const checkCommand: CliCommand<CheckArgs> = {
  command: 'check',
  describe: 'Run the safety matrix: every fault of `faulty`, repeated timeouts, and refused loads, on every lane',
  builder: (yargs) =>
    withPolicyFlags(yargs, 'the plugins under test (`--plugin`; the safety matrix keeps its own)')
      .option('plugin', {
        type: 'string',
        array: true,
        describe:
          'plugins under test (names or built directories): load, every op on sample inputs, tampered copy ' +
          'refused — besides the lane matrix',
      })
      .option('lane', {
        type: 'string',
        array: true,
        describe: 'lanes to check, comma list or repeated (default: every lane; the @go lanes need Go)',
      })
      .option('only-plugin', {
        type: 'boolean',
        default: false,
        describe: 'check only the --plugin plugins, without the lane matrix and its reference fixtures',
      })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('out', outOption()) as never,
  handler: async (args, { commandLine, report, informational }) => {
    const startedAt = new Date().toISOString();
    if (args.onlyPlugin && !args.plugin?.length)
      throw new UsageError('`--only-plugin` checks the `--plugin` plugins only: give at least one `--plugin P`');
    const lanes = parseLanes(
      args.lane?.length
        ? args.lane
        : (currentProject().lanes ?? availableLanes((line) => console.error(line)).map(laneName)),
    );
    const policy = policyOf(args);
    const own = (args.plugin ?? []).map(resolvePluginDir);
    const { checks, figures } = args.onlyPlugin ? { checks: [], figures: [] } : await checkLanes(lanes, args.trust);
    const trusted = projectTrustedKeys(args.trust);
    for (const dir of own) checks.push(...(await checkPlugin(dir, lanes, trusted, policy)));
    const width = Math.max(...checks.map((c) => c.id.length));
    for (const c of checks)
      console.log(`${c.status.padEnd(11)} ${c.lane.padEnd(22)} ${c.id.padEnd(width)}  ${c.detail.split('\n')[0]}`);
    for (const f of figures) {
      const overshoot = f.overshootMs.length
        ? `timeout overshoot ${f.overshootMs.map((ms) => ms.toFixed(1)).join('/')} ms`
        : 'no timeouts';
      const recycle = f.recycles.length
        ? `recycles ${f.recycles.map((r) => `${r.cause} ${r.ms.toFixed(0)} ms`).join(', ')}`
        : '';
      const spinning =
        f.eventLoopP99NsWhileSpinning === undefined
          ? ''
          : `; event-loop p99 while spinning ${(f.eventLoopP99NsWhileSpinning / 1e6).toFixed(1)} ms`;
      console.log(`${f.lane}: ${overshoot}; ${recycle}${spinning}`);
    }
    const failed = checks.filter((c) => c.status === 'fail').length;
    console.log(
      `${checks.length} checks: ${checks.filter((c) => c.status === 'pass').length} pass, ${failed} fail, ` +
        `${checks.filter((c) => c.status === 'unsupported').length} unsupported`,
    );
    const { results } = await applyGate(resultsEnvelope({ command: commandLine, startedAt, informational, checks }));
    const paths = report(args.out, results);
    console.error(`wrote ${paths.join(', ')}`);
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
