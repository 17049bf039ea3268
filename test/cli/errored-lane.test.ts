import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LaneResult, Results } from '../../harness/report/results.ts';
import { quietly } from '../helpers/cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'plugbench-errored-'));

/** A project whose smoke suite runs the repository's fixtures: a scenario fine, one refused, one half refused. */
function projectWithRefusedLanes(): string {
  const project = join(work, 'project');
  mkdirSync(join(project, 'scenarios'), { recursive: true });
  const config = {
    build: join(root, 'fixtures', 'build'),
    scenarios: 'scenarios',
    trustedKeys: [join(root, '.plugbench', 'keys', 'dev.pub')],
  };
  writeFileSync(join(project, 'plugbench.config.json'), JSON.stringify(config));
  const scenario = (id: string, plugin: string, lanes: string[]) =>
    writeFileSync(
      join(project, 'scenarios', `${id}.json`),
      JSON.stringify({
        id,
        plugin,
        op: 'echo',
        lanes,
        calls: 300,
        suites: ['smoke'],
        thresholds: ['errors.rate == 0'],
      }),
    );
  scenario('a-textkit', 'textkit', ['wasm-core@inproc']);
  // Declares contract 2.0: refused by the negotiation on every lane.
  scenario('b-abi-future', 'abi-future', ['wasm-core@inproc', 'native@process']);
  // An Extism plugin opens on wasm-core only: its native lane is refused, its wasm-core lane measured.
  scenario('c-ext-textkit', 'ext-textkit', ['native@inproc', 'wasm-core@inproc']);
  return project;
}

const stateOf = (lane: LaneResult) => (lane.state === 'errored' ? `errored ${lane.failure.kind}` : lane.state);

test('a suite with lanes that cannot open finishes: every other lane measured, the errored ones recorded, gate fails', async () => {
  const out = join(work, 'suite');
  const { code, said } = await quietly([
    'run',
    '--suite',
    'smoke',
    '--project',
    projectWithRefusedLanes(),
    '--out',
    out,
  ]);
  assert.is(code, 1, said);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  assert.equal(
    results.scenarios.map((s) => [s.id, s.lanes.map((l) => `${l.lane} ${stateOf(l)}`)]),
    [
      ['a-textkit', ['wasm-core@inproc measured']],
      ['b-abi-future', ['wasm-core@inproc errored incompatible', 'native@process errored incompatible']],
      ['c-ext-textkit', ['native@inproc errored incompatible', 'wasm-core@inproc measured']],
    ],
  );
  const measured = results.scenarios.flatMap((s) => s.lanes).filter((l) => l.state === 'measured');
  assert.ok(
    measured.every((l) => l.load.calls === 300),
    'the lanes before and after the errored ones ran all their calls',
  );
  const refused = results.scenarios[1]!.lanes[0]!;
  assert.ok(refused.state === 'errored' && refused.failure.step === 'open');
  assert.match(refused.state === 'errored' ? refused.failure.message : '', "the manifest's `abi` 2.0 is not supported");
  assert.is(results.verdict, 'fail');
  const stateRows = results.gate.filter((g) => g.metric === 'lane.state');
  assert.equal(
    stateRows.map((g) => [g.scenario, g.lane, g.status]),
    [
      ['b-abi-future', 'wasm-core@inproc', 'fail'],
      ['b-abi-future', 'native@process', 'fail'],
      ['c-ext-textkit', 'native@inproc', 'fail'],
    ],
  );
  assert.ok(
    results.gate.filter((g) => g.metric !== 'lane.state').every((g) => g.status === 'pass'),
    'the measured lanes pass their thresholds',
  );
  assert.match(said, 'gate FAIL: b-abi-future wasm-core@inproc: lane.state');
  assert.match(said, /native@process\s+ERRORED \(incompatible\) at its open step: `plugbench_abi\(\)` reports ABI 2.0/);
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  assert.match(
    junit,
    /name="native@inproc lane.state == measured"><failure message="lane.state = n\/a on native@inproc/,
  );
  const summary = readFileSync(join(out, 'summary.md'), 'utf8');
  assert.match(summary, '- **native@process**: errored (incompatible) at its open step: `plugbench_abi()` reports');
  assert.match(summary, '| ❌ fail | gate lane.state == measured | b-abi-future · wasm-core@inproc |');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, '<li class="fail"><b>native@inproc</b>: errored (incompatible) at its open step');

  // The file gates the same way again: the errored lanes still fail it.
  const regated = await quietly(['gate', join(out, 'results.json'), '--out', join(work, 'regated')]);
  assert.is(regated.code, 1, regated.said);
  assert.match(regated.said, 'gate FAIL: c-ext-textkit native@inproc: lane.state');
});

test('a bad scenario is still a usage error before anything runs', async () => {
  const project = projectWithRefusedLanes();
  writeFileSync(
    join(project, 'scenarios', 'd-missing.json'),
    JSON.stringify({ id: 'd-missing', plugin: 'nosuch', op: 'echo', lanes: ['wasm-core@inproc'], suites: ['smoke'] }),
  );
  const out = join(work, 'bad');
  const { code, said } = await quietly(['run', '--suite', 'smoke', '--project', project, '--out', out]);
  assert.is(code, 2, said);
  assert.match(said, 'no built plugin named `nosuch`');
  assert.not.match(said, '[1/4]', 'nothing ran before the usage error');

  // A deadline one of its lanes cannot enforce: refused when the suite loads, before any scenario runs.
  const deadline = { id: 'e-deadline', plugin: 'textkit', op: 'echo', lanes: ['wasm-core@inproc'], deadlineMs: 50 };
  writeFileSync(join(project, 'scenarios', 'e-deadline.json'), JSON.stringify({ ...deadline, suites: ['smoke'] }));
  const late = await quietly(['run', '--suite', 'smoke', '--project', project, '--out', out]);
  assert.is(late.code, 2, late.said);
  assert.match(late.said, '`deadlineMs`: lane `wasm-core@inproc` cannot enforce one');
  assert.not.match(late.said, '[1/', 'nothing ran before the usage error');
});

test.run();
