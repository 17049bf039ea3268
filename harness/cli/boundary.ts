import { projectTrustedKeys } from '../project/trust.ts';
import { BOUNDARY_SIZES, measureBoundaryCost } from '../load/boundary-cost.ts';
import { availableLanes, parseLanes } from '../lanes/registry.ts';
import { applyGate } from '../gate/apply-gate.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import { referenceFixtures } from '../project/reference-fixtures.ts';
import { formatBytes, formatNs } from '../report/format.ts';
import { resultsEnvelope } from '../report/results.ts';
import { type CliCommand, EXIT, outOption } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

export const boundaryCommand: CliCommand<
  { plugin?: string; lane?: string[]; sizes?: string; timeMs: number; out: string; trust?: string[] } & PolicyArgs
> = {
  command: 'boundary',
  describe: 'Measure what each boundary costs: `echo` of 0 B, 1 KiB, 64 KiB and 1 MiB on every lane (tinybench)',
  builder: (yargs) =>
    withPolicyFlags(yargs)
      .option('plugin', {
        type: 'string',
        describe: 'plugin whose `echo` op is timed (default: the reference fixture `textkit`)',
      })
      .option('lane', { type: 'string', array: true, describe: 'lanes (default: every lane; the @go lanes need Go)' })
      .option('sizes', {
        type: 'string',
        describe: `payload sizes in bytes, comma list (default ${BOUNDARY_SIZES.join(',')})`,
      })
      .option('time-ms', { type: 'number', default: 300, describe: 'time per lane and size, after warm-up' })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('out', outOption()) as never,
  handler: async (args, { commandLine, report }) => {
    const startedAt = new Date().toISOString();
    const policy = policyOf(args);
    const lanes = args.lane?.length ? parseLanes(args.lane) : availableLanes((line) => console.error(line));
    const sizes = args.sizes ? args.sizes.split(',').map(Number) : BOUNDARY_SIZES;
    const dir =
      args.plugin !== undefined
        ? resolvePluginDir(args.plugin)
        : (await referenceFixtures(['textkit'], (line) => console.error(line))).textkit;
    const rows = await measureBoundaryCost(dir, lanes, {
      trusted: projectTrustedKeys(args.trust),
      policy,
      sizes,
      timeMs: args.timeMs,
      progress: (line) => console.error(line),
    });
    // p50 beside the mean: on a shared machine the mean carries every stall of its neighbours.
    const perSize = (cells: readonly string[]) => cells.map((c) => c.padStart(12)).join('');
    console.log(
      `\n${'lane'.padEnd(24)}${'per call'.padEnd(9)}${perSize(sizes.map(formatBytes))}${'ns/byte'.padStart(10)}`,
    );
    for (const lane of new Set(rows.map((r) => r.lane))) {
      const laneRows = rows.filter((r) => r.lane === lane);
      const perByte = laneRows.at(-1)?.nsPerByte;
      const perByteText = perByte === undefined ? '' : perByte.toFixed(3);
      console.log(`${lane.padEnd(24)}${'p50'.padEnd(9)}${perSize(laneRows.map((r) => formatNs(r.p50Ns)))}`);
      const means = perSize(laneRows.map((r) => formatNs(r.meanNs)));
      console.log(`${''.padEnd(24)}${'mean'.padEnd(9)}${means}${perByteText.padStart(10)}`);
    }
    const { results } = await applyGate(resultsEnvelope({ command: commandLine, startedAt, boundary: rows }));
    const paths = report(args.out, results);
    console.error(`wrote ${paths.join(', ')}`);
    return EXIT.pass;
  },
};
