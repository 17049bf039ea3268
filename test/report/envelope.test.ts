import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Results } from '../../harness/report/results.ts';
import { quietly } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'plugbench-envelope-'));
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

async function ran(): Promise<string> {
  const out = join(work, 'run');
  const lanes = ['--lane', 'wasm-core@inproc,native@inproc'];
  const { code, said } = await quietly([
    'run',
    '--plugin',
    'textkit',
    '--op',
    'echo',
    ...lanes,
    '--calls',
    '500',
    '--out',
    out,
  ]);
  assert.is(code, 0, said);
  return out;
}

test('run, gate and merge write one envelope: the same fields, schema and environment', async () => {
  const run = await ran();
  const gate = await quietly(['gate', join(run, 'results.json'), '--out', join(work, 'gate')]);
  assert.is(gate.code, 0, gate.said);
  const files = [join(run, 'results.json'), join(run, 'results.json')];
  const merge = await quietly(['merge', ...files, '-o', join(work, 'merge')]);
  assert.is(merge.code, 0, merge.said);
  const [r, g, m] = [read(run), read(join(work, 'gate')), read(join(work, 'merge'))];
  const fields = (x: Results) => Object.keys(x).sort();
  assert.equal(fields(g), fields(r));
  assert.equal(fields(m), fields(r));
  assert.equal(fields(r), [
    'checks',
    'command',
    'env',
    'finishedAt',
    'gate',
    'informational',
    'interrupted',
    'scenarios',
    'schema',
    'startedAt',
    'verdict',
  ]);
  for (const x of [g, m]) {
    assert.is(x.schema, r.schema);
    assert.equal(Object.keys(x.env).sort(), Object.keys(r.env).sort());
    assert.is(x.env.fingerprint, r.env.fingerprint);
  }
  assert.match(m.command, 'plugbench merge');
  assert.equal(
    m.scenarios[0]!.lanes.map((l) => [l.lane, l.state, l.state === 'measured' && l.load.calls]),
    [
      ['wasm-core@inproc', 'measured', 1000],
      ['native@inproc', 'measured', 1000],
    ],
  );
});

test('a results file from before lane states (no `state`, no `informational`) still gates and merges', async () => {
  const current = read(join(work, 'run'));
  const { informational: _, ...old } = current;
  for (const lane of old.scenarios.flatMap((s) => s.lanes)) delete (lane as { state?: string }).state;
  const oldFile = join(work, 'old.json');
  writeFileSync(oldFile, JSON.stringify(old));
  assert.not.match(readFileSync(oldFile, 'utf8'), '"state"');

  const gate = await quietly(['gate', oldFile, '--out', join(work, 'old-gate')]);
  assert.is(gate.code, 0, gate.said);
  const gated = read(join(work, 'old-gate'));
  assert.equal(
    gated.gate.map((row) => [row.lane, row.metric, row.status]),
    current.gate.map((row) => [row.lane, row.metric, row.status]),
  );
  assert.ok(gated.scenarios[0]!.lanes.every((l) => l.state === 'measured'));

  const merge = await quietly(['merge', oldFile, join(work, 'run', 'results.json'), '-o', join(work, 'old-merge')]);
  assert.is(merge.code, 0, merge.said);
  const merged = read(join(work, 'old-merge'));
  assert.equal(
    merged.scenarios[0]!.lanes.map((l) => [l.lane, l.state, l.state === 'measured' && l.load.calls]),
    [
      ['wasm-core@inproc', 'measured', 1000],
      ['native@inproc', 'measured', 1000],
    ],
  );
});

test.run();
