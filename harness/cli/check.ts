import { checkPlugin, runChecks } from '../check/run-checks.ts';
import { trustedKeys } from '../contract/keys.ts';
import { parseLanes } from '../lanes/lane.ts';
import { availableLanes } from '../isolation/open-lane.ts';
import { resolvePluginDir, stateDir } from '../paths.ts';
import { environment } from '../measure/environment.ts';
import { verdictOf } from '../gate/evaluate.ts';
import { RESULTS_SCHEMA, type Results } from '../report/results.ts';
import { type CliCommand, EXIT } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

export const checkCommand: CliCommand<{ plugin?: string[]; lane?: string[]; out: string; trust?: string[] } & PolicyArgs> = {
  command: 'check',
  describe: 'Run the safety matrix: every fault of `faulty`, repeated timeouts, and refused loads, on every lane',
  builder: (yargs) =>
    withPolicyFlags(yargs, 'the plugins under test (`--plugin`; the safety matrix keeps its own)')
      .option('plugin', { type: 'string', array: true, describe: 'plugins under test (names or built directories): load, every op on sample inputs, tampered copy refused — besides the lane matrix' })
      .option('lane', { type: 'string', array: true, describe: 'lanes to check, comma list or repeated (default: every lane; the @go lanes need Go)' })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('out', { type: 'string', default: 'reports/latest', describe: 'directory for results.json and reports' }) as never,
  handler: async (args, { commandLine, report, informational }) => {
    const startedAt = new Date().toISOString();
    const policy = policyOf(args);
    const lanes = args.lane?.length ? parseLanes(args.lane) : availableLanes((line) => console.error(line));
    const trusted = trustedKeys(stateDir, args.trust ?? []);
    const plugins = {
      faulty: resolvePluginDir('faulty'),
      liar: resolvePluginDir('liar'),
      healthy: resolvePluginDir('textkit'),
      abiFuture: resolvePluginDir('abi-future'),
      greedy: resolvePluginDir('greedy'),
      extism: { faulty: resolvePluginDir('ext-faulty'), healthy: resolvePluginDir('ext-textkit') },
    };
    const { checks, figures } = await runChecks({ lanes, plugins, trusted, log: (line) => console.error(line) });
    for (const plugin of args.plugin ?? []) checks.push(...(await checkPlugin(resolvePluginDir(plugin), lanes, trusted, policy)));
    const width = Math.max(...checks.map((c) => c.id.length));
    for (const c of checks) console.log(`${c.status.padEnd(11)} ${c.lane.padEnd(22)} ${c.id.padEnd(width)}  ${c.detail.split('\n')[0]}`);
    for (const f of figures) {
      const overshoot = f.overshootMs.length ? `timeout overshoot ${f.overshootMs.map((ms) => ms.toFixed(1)).join('/')} ms` : 'no timeouts';
      const recycle = f.recycles.length ? `recycles ${f.recycles.map((r) => `${r.cause} ${r.ms.toFixed(0)} ms`).join(', ')}` : '';
      console.log(`${f.lane}: ${overshoot}; ${recycle}${f.eventLoopP99NsWhileSpinning !== undefined ? `; event-loop p99 while spinning ${(f.eventLoopP99NsWhileSpinning / 1e6).toFixed(1)} ms` : ''}`);
    }
    const failed = checks.filter((c) => c.status === 'fail').length;
    console.log(`${checks.length} checks: ${checks.filter((c) => c.status === 'pass').length} pass, ${failed} fail, ${checks.filter((c) => c.status === 'unsupported').length} unsupported`);
    const results: Results = { schema: RESULTS_SCHEMA, verdict: 'pass', command: commandLine, startedAt, finishedAt: new Date().toISOString(), interrupted: false, informational, env: environment(), scenarios: [], checks, gate: [] };
    results.verdict = verdictOf(results);
    const paths = report(args.out, results);
    console.error(`wrote ${paths.join(', ')}`);
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
