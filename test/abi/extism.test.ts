import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signArtifact } from '../../harness/build/sign-artifact.ts';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import { loadOrCreateDevKey } from '../../harness/contract/keys.ts';
import type { PluginMeta } from '../../harness/contract/provenance.ts';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { type Lane } from '../../harness/isolations/lane.ts';
import { stateDir } from '../../harness/paths.ts';
import { fixture, trusted } from '../helpers/plugins.ts';
import { quietly } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'plugbench-extism-'));
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const NODE_LANES = ['wasm-core@inproc', 'wasm-core@worker', 'wasm-core@process'];
const ALL_EXTISM_LANES = [...NODE_LANES, 'wasm-core@go'];

async function withLane<T>(dir: string, lane: string, body: (lane: Lane) => Promise<T>, config?: string): Promise<T> {
  const opened = await openLane(dir, parseLane(lane), { trusted, ...(config ? { config } : {}) });
  try {
    return await body(opened);
  } finally {
    await opened.close();
  }
}

test('a bare artifact is refused with exit 2 and the `plugbench sign` line to run', async () => {
  const meta = JSON.parse(readFileSync(join(fixture('ext-textkit'), 'plugin.json'), 'utf8')) as PluginMeta;
  const bare = join(work, 'bare.wasm');
  writeFileSync(bare, readFileSync(join(fixture('ext-textkit'), meta.artifacts.wasm!.file)));
  const { code, said } = await quietly([
    'run',
    '--plugin',
    bare,
    '--op',
    'echo',
    '--lane',
    'wasm-core@inproc',
    '--calls',
    '10',
    '--out',
    join(work, 'r'),
  ]);
  assert.is(code, 2);
  assert.match(said, `is an unsigned artifact`);
  assert.match(said, `plugbench sign ${bare} --out ${join(work, 'bare')}-signed`);
});

test("sign: ops from --op with their kinds, or every exported function that is not a runtime's; a bad --op is exit 2", async () => {
  const meta = JSON.parse(readFileSync(join(fixture('ext-faulty'), 'plugin.json'), 'utf8')) as PluginMeta;
  const artifact = join(fixture('ext-faulty'), meta.artifacts.wasm!.file);
  const key = loadOrCreateDevKey(stateDir());
  const all = await signArtifact({ artifact, key, outDir: join(work, 'all') });
  assert.is(all.abi, 'extism');
  assert.equal(all.extism!.ops.map((o) => o.name).sort(), ['code', 'echo', 'fail', 'fragile', 'hog', 'panic', 'spin']);
  const named = await quietly([
    'sign',
    artifact,
    '--op',
    'echo:utf8',
    '--name',
    'two',
    '--version',
    '1.2.3',
    '--out',
    join(work, 'two'),
  ]);
  assert.is(named.code, 0, named.said);
  const two = JSON.parse(readFileSync(join(work, 'two', 'plugin.json'), 'utf8')) as PluginMeta;
  assert.equal([two.name, two.version, two.extism!.ops], ['two', '1.2.3', [{ name: 'echo', input: 'utf8' }]]);
  const bad = await quietly(['sign', artifact, '--op', 'echo:text', '--op', 'nope', '--out', join(work, 'bad')]);
  assert.is(bad.code, 2);
  assert.match(bad.said, '`--op echo:text`: write NAME or NAME:KIND');
  assert.match(bad.said, '`--op nope`: the module exports no function `nope`');
});

test('ext-textkit answers like textkit (contract v1) on every Extism lane, byte for byte', async () => {
  const input = new TextEncoder().encode('Ünïcödé wörds — hello Hello, world 🦀');
  const expected = await withLane(
    fixture('textkit'),
    'wasm-core@inproc',
    async (lane) => (await lane.call('wordfreq', input)).outcome,
  );
  assert.ok(expected.ok);
  for (const lane of ALL_EXTISM_LANES) {
    const got = await withLane(fixture('ext-textkit'), lane, async (l) => {
      assert.equal(
        l.manifest.ops.map((o) => `${o.name}:${o.input}`),
        ['tokenize:utf8', 'wordfreq:utf8', 'echo:bytes'],
      );
      // SDK 1.0.3 hands a view's whole buffer to the plugin: a message from a parent process is such a view.
      const echo = (await l.call('echo', new TextEncoder().encode('hello'))).outcome;
      assert.equal(
        echo.ok ? [...echo.output] : echo,
        [...Buffer.from('hello')],
        `${lane}: echo gives back exactly its input`,
      );
      return (await l.call('wordfreq', input)).outcome;
    });
    assert.ok(got.ok, lane);
    assert.is(text(got.output), text(expected.output), lane);
  }
});

test('an error_set message arrives verbatim as a plugin error, Node and Go; an unknown op is unsupported-op', async () => {
  for (const lane of ALL_EXTISM_LANES) {
    await withLane(fixture('ext-faulty'), lane, async (l) => {
      const { outcome } = await l.call('fail', new Uint8Array(5));
      assert.equal(
        outcome,
        {
          ok: false,
          failure: { kind: 'plugin', code: 'internal', message: 'ext-faulty refuses 5 bytes: «verbatim» ✓' },
        },
        lane,
      );
      const unknown = (await l.call('nope', new Uint8Array())).outcome;
      assert.ok(!unknown.ok && unknown.failure.kind === 'plugin' && unknown.failure.code === 'unsupported-op', lane);
    });
  }
});

test("a var lives as long as its instance and config comes from the lane's config, on every Extism lane", async () => {
  for (const lane of ALL_EXTISM_LANES) {
    await withLane(
      fixture('ext-counter'),
      lane,
      async (l) => {
        const totals = [];
        for (const size of [3, 4, 0])
          totals.push(text(((await l.call('count', new Uint8Array(size))).outcome as { output: Uint8Array }).output));
        assert.equal(totals, ['3', '7', '7'], lane);
        const greeting = (await l.call('greet', new TextEncoder().encode('crab'))).outcome;
        assert.ok(greeting.ok);
        assert.is(text(greeting.output), 'ahoy, crab', lane);
      },
      JSON.stringify({ greeting: 'ahoy' }),
    );
  }
});

test('a spin is stopped by the deadline on @worker and @go, and the next call runs on a new instance', async () => {
  for (const lane of ['wasm-core@worker', 'wasm-core@go']) {
    await withLane(fixture('ext-faulty'), lane, async (l) => {
      const spin = await l.call('spin', new Uint8Array(), { deadlineMs: 200 });
      assert.is(spin.outcome.ok ? 'ok' : spin.outcome.failure.kind, 'timeout', lane);
      const echo = await l.call('echo', new Uint8Array([7]), { deadlineMs: 5000 });
      assert.ok(echo.outcome.ok, lane);
      assert.is(l.recycles[0]?.cause, 'timeout', lane);
    });
  }
});

test('a plugin that imports http_request, or a lane that is not wasm-core, is refused as incompatible', async () => {
  const refused = async (dir: string, lane: string, extra = trusted) => {
    try {
      await (await openLane(dir, parseLane(lane), { trusted: extra })).close();
      return 'accepted';
    } catch (e) {
      return e instanceof PluginLoadError ? `${e.kind}: ${e.message}` : String(e);
    }
  };
  assert.match(
    await refused(fixture('ext-textkit'), 'native@process'),
    'incompatible: `ext-textkit` on `native`: not for Extism plugins',
  );
  assert.match(await refused(fixture('ext-textkit'), 'wasm-component@inproc'), 'not for Extism plugins');
  const { extismChecks } = await import('../../harness/check/extism-checks.ts');
  const rows = await extismChecks(
    parseLane('wasm-core@inproc'),
    { faulty: fixture('ext-faulty'), healthy: fixture('ext-textkit') },
    { trusted } as never,
    { grants: new Set(['log', 'clock']), quotas: { memoryBytes: 64 << 20, callTimeoutMs: 10_000 } },
    { lane: 'x', overshootMs: [], recycles: [] },
  );
  const http = rows.find((r) => r.id === 'extism.load.http')!;
  assert.is(http.status, 'pass', http.detail);
  assert.match(http.detail, 'plugbench never grants HTTP');
});

test('a WASI command plugin runs: `_start` on every Extism lane', async () => {
  for (const lane of ALL_EXTISM_LANES) {
    await withLane(fixture('ext-command'), lane, async (l) => {
      const { outcome } = await l.call('_start', new TextEncoder().encode('shout'));
      assert.ok(outcome.ok, `${lane}: ${JSON.stringify(outcome)}`);
      assert.is(text(outcome.output), 'SHOUT', lane);
    });
  }
});

test.run();
