import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAbi } from '../../harness/abi/abi.ts';
import { checkPlugin, runChecks } from '../../harness/check/run-checks.ts';
import { keyIdOf } from '../../harness/contract/keys.ts';
import { sha256Hex, signPluginMeta } from '../../harness/contract/provenance.ts';
import { v8Engine } from '../../harness/engines/v8.ts';
import { workerIsolation } from '../../harness/isolations/worker.ts';
import { allLanes, parseLane, registerEngine, registerIsolation } from '../../harness/lanes/registry.ts';
import { fixture, trusted } from '../helpers/plugins.ts';
import { fakeAbi } from './fake-abi.ts';
import { scriptedEngine } from './fake-engine.ts';
import { scriptedIsolation } from './fake-isolation.ts';

const SCRIPTED = 'wasm-core@scripted';

// One registration call per fake, undone after this file: uvu imports every file before it
// runs any, so registering at import would show the fakes to the other files' tests.
let unregister: (() => void)[] = [];
test.before(() => {
  unregister = [registerAbi(fakeAbi), registerEngine(scriptedEngine), registerIsolation(scriptedIsolation)];
});
test.after(() => unregister.forEach((undo) => undo()));

test('a registered engine and isolation make a lane, listed and parsed like the built-in ones', () => {
  assert.equal(parseLane(SCRIPTED), { boundary: 'wasm-core', isolation: 'scripted' });
  assert.ok(allLanes().some((l) => `${l.boundary}@${l.isolation}` === SCRIPTED));
  // The scripted host runs no components and no native libraries: those pairs are not lanes.
  assert.not.ok(allLanes().some((l) => l.isolation === 'scripted' && l.boundary !== 'wasm-core'));
  assert.throws(
    () => parseLane('native@scripted'),
    /`native@scripted` is not a lane: no engine of the scripted host runs native/,
  );
});

test('the safety matrix runs on the fake lane: its reasons where it cannot, its outcomes elsewhere', async () => {
  const plugins = {
    faulty: fixture('faulty'),
    liar: fixture('liar'),
    healthy: fixture('textkit'),
    abiFuture: fixture('abi-future'),
    greedy: fixture('greedy'),
  };
  const { checks } = await runChecks({ lanes: [parseLane(SCRIPTED)], plugins, trusted });
  const cell = (id: string) => checks.find((c) => c.id === id)!;
  const why = 'the scripted host has no clock: a scripted call cannot be stopped';
  assert.equal([cell('fault.spin').status, cell('fault.spin').detail], ['unsupported', why]);
  assert.equal([cell('deadline.repeated').status, cell('deadline.repeated').detail], ['unsupported', why]);
  assert.equal(
    [cell('fault.hog').status, cell('fault.hog').detail],
    ['unsupported', 'the scripted host keeps no memory to hold to a quota'],
  );
  for (const id of ['fault.panic', 'fault.segv', 'fault.abort', 'fault.escape', 'fault.recurse'])
    assert.is(cell(id).status, 'pass', `${id}: ${cell(id).detail}`);
  assert.is(cell('recovery.segv').status, 'pass', cell('recovery.segv').detail);
  for (const lie of ['bad-pointer', 'bad-length', 'bad-utf8', 'bad-code'])
    assert.is(cell(`protocol.${lie}`).status, 'pass', cell(`protocol.${lie}`).detail);
  assert.is(cell('load.abi-future').status, 'pass', cell('load.abi-future').detail);
  assert.is(cell('load.tampered').status, 'pass', cell('load.tampered').detail);
  // The scripted engine negotiates no capabilities or limits: the matrix catches it.
  assert.equal(
    [cell('load.greedy').status, cell('load.greedy').detail],
    ['fail', 'expected the load to be refused as incompatible, but it was accepted'],
  );
  assert.ok(checks.every((c) => c.lane === SCRIPTED));
});

test("a plugin of the fake ABI: checked on the engine that speaks it, the ABI's reason on the others", async () => {
  const dir = fakeAbiPlugin();
  const results = await checkPlugin(dir.path, [parseLane(SCRIPTED), parseLane('wasm-core@inproc')], [dir.key]);
  const on = (lane: string, id: string) => results.find((r) => r.lane === lane && r.id === id)!;
  assert.equal(on('wasm-core@inproc', 'load').status, 'unsupported');
  assert.is(on('wasm-core@inproc', 'load').detail, 'not for fake/1 plugins: only the scripted engine speaks fake/1');
  assert.is(on(SCRIPTED, 'load').status, 'pass', on(SCRIPTED, 'load').detail);
  assert.is(on(SCRIPTED, 'contract.echo').status, 'pass', on(SCRIPTED, 'contract.echo').detail);
  assert.is(on(SCRIPTED, 'load.tampered').status, 'pass', on(SCRIPTED, 'load.tampered').detail);
});

test('a kind registered twice is an error, and the registry is left as it was', () => {
  const before = allLanes().length;
  assert.throws(() => registerEngine(scriptedEngine), /engine `scripted` is registered twice/);
  assert.throws(() => registerEngine(v8Engine), /engine `v8` is registered twice/);
  assert.throws(() => registerIsolation(workerIsolation), /isolation `worker` is registered twice/);
  assert.throws(() => registerAbi(fakeAbi), /ABI `fake` is registered twice/);
  assert.throws(
    () => registerEngine({ ...scriptedEngine, name: 'another' }),
    /engine `another`: `scripted` already runs wasm-core in the scripted host/,
  );
  assert.is(allLanes().length, before);
});

/** A signed plugin whose plugin.json says abi `fake/1`, with the key that signed it. */
function fakeAbiPlugin() {
  const path = mkdtempSync(join(tmpdir(), 'plugbench-fake-abi-'));
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  writeFileSync(join(path, 'fake.wasm'), bytes);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const meta = signPluginMeta(
    {
      schema: 'plugbench/plugin@1',
      name: 'fake',
      version: '0.1.0',
      abi: 'fake/1',
      artifacts: { wasm: { file: 'fake.wasm', sha256: sha256Hex(bytes) } },
    },
    privateKey,
  );
  writeFileSync(join(path, 'plugin.json'), JSON.stringify(meta));
  return { path, key: { keyId: keyIdOf(publicKey), key: publicKey, source: 'test' } };
}

test.run();
