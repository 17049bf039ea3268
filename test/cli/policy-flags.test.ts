import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs from 'yargs';
import { COMMANDS, GLOBAL_OPTIONS, main } from '../../harness/cli/main.ts';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { resolveScenario } from '../../harness/scenario/scenario.ts';
import { trusted, u64 } from '../helpers/plugins.ts';
import { quietly } from '../helpers/cli.ts';
import { measuredLanes } from '../helpers/lanes.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'plugbench-policy-'));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|go)$/.test(name) && !name.endsWith('_test.go') ? [path] : [];
  });
}

/** The flags each command accepts, by command name, plus the global ones. */
function acceptedFlags(): Map<string, Set<string>> {
  const byCommand = new Map<string, Set<string>>();
  for (const command of COMMANDS) {
    // yargs knows its options at run time (`getOptions`), though its types do not say so.
    const parser = command.builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } };
    byCommand.set(
      command.command.split(' ')[0]!,
      new Set([...Object.keys(parser.getOptions().key), ...Object.keys(GLOBAL_OPTIONS)]),
    );
  }
  return byCommand;
}

// Roomy asks for 1 GiB and a 30 s deadline: past the default quotas of 256 MiB and 10 s.
const RAISED = ['--memory-quota', '1GiB', '--deadline-quota', '30s'];

test('every `--flag` a message in harness/ tells the user to pass exists in the CLI', () => {
  const accepted = acceptedFlags();
  const all = new Set([...accepted.values()].flatMap((flags) => [...flags]));
  const named: Array<{ flag: string; where: string }> = [];
  for (const file of sources(join(root, 'harness'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // Messages, not comments: a comment may quote another tool's flag (`--expose-gc`).
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
        for (const match of line.matchAll(/`--([a-z][a-z-]*)/g))
          named.push({ flag: match[1]!, where: `${relative(root, file)}:${i + 1}` });
      });
  }
  for (const flag of ['memory-quota', 'deadline-quota', 'grant'])
    assert.ok(
      named.some((n) => n.flag === flag),
      `a refusal names \`--${flag}\``,
    );
  // yargs takes `--no-X` for every boolean `--X` (`--no-coverage`).
  const known = (flag: string) => all.has(flag) || (flag.startsWith('no-') && all.has(flag.slice(3)));
  const missing = named.filter((n) => !known(n.flag)).map((n) => `--${n.flag} (${n.where})`);
  assert.equal(missing, [], 'flags named in messages but unknown to the CLI');
  for (const command of ['run', 'check', 'fuzz', 'compare', 'boundary', 'list']) {
    for (const flag of ['memory-quota', 'deadline-quota', 'grant'])
      assert.ok(accepted.get(command)!.has(flag), `\`plugbench ${command}\` takes \`--${flag}\``);
  }
});

test('a plugin asking past the default quotas is refused, naming the flags, and runs once they are raised', async () => {
  const args = [
    'run',
    '--plugin',
    'roomy',
    '--op',
    'fill',
    '--lane',
    'wasm-core@inproc',
    '--calls',
    '2',
    '--input-size',
    '300',
  ];
  // The refused lane is recorded as errored and fails the gate; the run still writes its results.
  const refused = await quietly([...args, '--out', join(out, 'refused')]);
  assert.is(refused.code, 1);
  const errored = JSON.parse(readFileSync(join(out, 'refused', 'results.json'), 'utf8')).scenarios[0].lanes[0];
  assert.equal([errored.state, errored.failure.kind, errored.failure.step], ['errored', 'incompatible', 'open']);
  assert.match(refused.said, 'raise the quota with `--memory-quota`');
  assert.match(refused.said, 'raise the quota with `--deadline-quota`');
  const raised = await quietly([...args, ...RAISED, '--out', join(out, 'raised')]);
  assert.is(raised.code, 0, raised.said);
  const lane = JSON.parse(readFileSync(join(out, 'raised', 'results.json'), 'utf8')).scenarios[0].lanes[0];
  // 300 MiB at once: past 256 MiB, so the module's memory maximum follows the raised quota too.
  assert.equal(lane.errors, {}, JSON.stringify(lane.failureSamples));
});

test('--grant lists the grants exactly: a plugin needing another is refused with the list to pass', async () => {
  const args = ['run', '--plugin', 'faulty', '--op', 'echo', '--lane', 'wasm-core@inproc', '--calls', '10'];
  const refused = await quietly([...args, '--grant', 'log', '--out', join(out, 'grant-log')]);
  assert.is(refused.code, 1);
  assert.match(refused.said, 'grant it with `--grant log,clock`');
  assert.is((await quietly([...args, '--grant', 'log', '--grant', 'clock', '--out', join(out, 'grant-both')])).code, 0);
});

test('bad quota values are usage errors naming each flag and what it takes', async () => {
  const { code, said } = await quietly([
    'run',
    '--plugin',
    'textkit',
    '--op',
    'echo',
    '--lane',
    'wasm-core@inproc',
    '--calls',
    '10',
    '--memory-quota',
    '2GB',
    '--deadline-quota',
    'soon',
    '--grant',
    'net',
    '--out',
    join(out, 'bad'),
  ]);
  assert.is(code, 2);
  assert.match(said, '`--memory-quota` must be a size like `512MiB` or `2GiB` (units B, KiB, MiB, GiB), got "2GB"');
  assert.match(said, '`--deadline-quota` must be a duration like `5s` or `500ms`, got "soon"');
  assert.match(said, '`--grant`: `net` cannot be granted');
  const tiny = await quietly(['fuzz', '--plugin', 'textkit', '--memory-quota', '1KiB', '--runs', '1']);
  assert.is(tiny.code, 2);
  assert.match(tiny.said, '`--memory-quota` must be at least 64KiB');
});

test('check, fuzz, compare and boundary take the quota flags too', async () => {
  const commands = [
    ['boundary', '--plugin', 'roomy', '--lane', 'wasm-core@inproc', '--sizes', '0', '--time-ms', '20'],
    [
      'compare',
      '--base',
      'roomy',
      '--head',
      'roomy',
      '--op',
      'echo',
      '--lane',
      'wasm-core@inproc',
      '--rounds',
      '2',
      '--round-ms',
      '20',
    ],
    [
      'fuzz',
      '--plugin',
      'roomy',
      '--op',
      'echo',
      '--lane',
      'wasm-core@inproc',
      '--runs',
      '5',
      '--seed',
      '1',
      '--corpus',
      join(out, 'corpus'),
    ],
    ['check', '--plugin', 'roomy', '--lane', 'wasm-core@inproc'],
  ];
  for (const [i, args] of commands.entries()) {
    const refused = await quietly([...args, '--out', join(out, `cmd-${i}`)]);
    assert.ok(refused.code !== 0, `${args[0]} without the flags: roomy is refused (${refused.code})`);
    assert.match(refused.said, '--memory-quota', args[0]);
    const raised = await quietly([...args, ...RAISED, '--out', join(out, `cmd-${i}-raised`)]);
    assert.is(raised.code, 0, `${args[0]} with the flags: ${raised.said.slice(-600)}`);
  }
});

test('a scenario sets its own policy, and every bad field of it is listed at once', async () => {
  await initHistograms();
  const scenario = resolveScenario(
    {
      id: 'roomy',
      plugin: 'roomy',
      op: 'fill',
      lanes: ['wasm-core@inproc'],
      input: { bytes: [u64(300)] },
      calls: 2,
      policy: { memoryQuota: '1GiB', deadlineQuota: '30s' },
      suites: [],
    },
    'test',
  );
  assert.equal(scenario.policy, { memoryBytes: 1024 ** 3, callTimeoutMs: 30_000 });
  const result = await runScenario(scenario, { trusted });
  assert.equal(measuredLanes(result)[0]!.errors, {});
  try {
    resolveScenario(
      {
        id: 'bad',
        plugin: 'roomy',
        op: 'echo',
        lanes: ['wasm-core@inproc'],
        policy: { memoryQuota: 'lots', deadlineQuota: -1, grants: ['fs'], cpu: 2 } as never,
        suites: [],
      },
      'test',
    );
    assert.unreachable('a bad policy is refused');
  } catch (e) {
    const message = (e as Error).message;
    for (const part of [
      '`policy`: unknown field `cpu`',
      '`policy.memoryQuota` must be a size',
      '`policy.deadlineQuota` must be a duration',
      '`policy.grants`: `fs` cannot be granted',
    ])
      assert.match(message, part);
  }
});

test.run();
