import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginMeta } from '../contract/provenance.ts';
import { allLanes, type LaneKind, laneKind } from '../lanes/registry.ts';
import type { Enforcement } from '../isolations/isolation.ts';
import { laneName } from '../isolations/lane.ts';
import { currentProject } from '../project/project.ts';
import { SUITES } from '../project/config.ts';
import { loadScenarios } from '../scenario/suites.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { type CliCommand, EXIT } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

/** Ops of a built plugin, from the manifest its core module describes (a negotiated load). */
async function describeOps(dir: string, policy: HostPolicy): Promise<string> {
  const { openAnyInstance } = await import('../engines/open-instance.ts');
  const { projectTrustedKeys } = await import('../project/trust.ts');
  try {
    const instance = await openAnyInstance(dir, 'wasm-core', { trusted: projectTrustedKeys(), policy });
    return instance.manifest.ops.map((op) => `${op.name}(${op.input})`).join(' ');
  } catch (e) {
    return `(not loadable: ${(e as Error).message.split('\n')[0]})`;
  }
}

export const listCommand: CliCommand<PolicyArgs> = {
  command: 'list',
  describe: 'List built plugins and their ops, lanes, scenarios and suites',
  builder: (yargs) => withPolicyFlags(yargs) as never,
  handler: async (args) => {
    const policy = policyOf(args);
    const buildDir = currentProject().buildDir;
    console.log(`plugins (${buildDir}):`);
    const names = existsSync(buildDir)
      ? readdirSync(buildDir)
          .filter((n) => existsSync(join(buildDir, n, 'plugin.json')))
          .sort()
      : [];
    if (names.length === 0) console.log('  none built yet: run `plugbench build`');
    for (const name of names) {
      const meta = JSON.parse(readFileSync(join(buildDir, name, 'plugin.json'), 'utf8')) as PluginMeta;
      const coverage = meta.coverage ? ` [coverage build: ${meta.coverage.scope}]` : '';
      console.log(
        `  ${name.padEnd(12)} ${meta.version.padEnd(8)} abi ${meta.abi.padEnd(4)} ` +
          `${await describeOps(join(buildDir, name), policy)}${coverage}`,
      );
    }
    console.log(`\nlanes: ${allLanes().map(laneName).join(', ')}`);
    for (const lane of allLanes()) console.log(`  ${laneName(lane).padEnd(24)} ${promisesLine(laneKind(lane))}`);
    const scenarios = await loadScenarios();
    console.log('\nscenarios:');
    for (const s of scenarios)
      console.log(
        `  ${s.id.padEnd(28)} ${s.plugin} ${s.op} on ${s.lanes.length} lane(s), ${s.load.model} ` +
          `[${s.suites.join(', ')}]`,
      );
    console.log('\nsuites:');
    for (const suite of SUITES)
      console.log(`  ${suite.padEnd(8)} ${scenarios.filter((s) => s.suites.includes(suite)).length} scenario(s)`);
    return EXIT.pass;
  },
};

/** One lane's engine and what it promises, as its engine and isolation declare them (`plugbench check` proves it). */
function promisesLine({ engine, promises: { deadline, memoryQuota, crashContainment } }: LaneKind): string {
  const held = (promise: Enforcement | undefined) =>
    promise === undefined ? 'n/a' : promise.enforced ? 'yes' : 'unsupported';
  const stops = deadline.enforced ? `yes (${deadline.by})` : 'unsupported';
  return (
    `${engine.name} · deadline: ${stops} · memory quota: ${held(memoryQuota)} · native crash contained: ` +
    `${held(crashContainment)}`
  );
}
