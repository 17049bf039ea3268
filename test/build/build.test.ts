import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlugins } from '../../harness/build/build-plugins.ts';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import type { PluginMeta } from '../../harness/contract/provenance.ts';
import { BOUNDARIES, type Boundary } from '../../harness/engines/instance.ts';
import { openInstance } from '../../harness/engines/open-instance.ts';
import { fixturesWorkspace } from '../../harness/paths.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

const outside = mkdtempSync(join(tmpdir(), 'plugbench-outside-'));

function crate(name: string, cargoToml: string, lib: string): string {
  const dir = join(outside, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'Cargo.toml'), cargoToml);
  writeFileSync(join(dir, 'src', 'lib.rs'), lib);
  return dir;
}

const SDK_PLUGIN = `use plugbench_sdk::{export_plugin, InputKind, Manifest, Plugin, PluginError};
struct Shouty;
impl Plugin for Shouty {
    fn manifest() -> Manifest { Manifest::new().op("shout", InputKind::Utf8, true).op("echo", InputKind::Bytes, true) }
    fn init(_config: &str) -> Result<Self, PluginError> { Ok(Shouty) }
    fn call(&mut self, op: &str, input: &[u8]) -> Result<Vec<u8>, PluginError> {
        match op {
            "shout" => std::str::from_utf8(input).map(|s| s.to_uppercase().into_bytes()).map_err(|_| PluginError::invalid_input("not UTF-8")),
            "echo" => Ok(input.to_vec()),
            _ => Err(PluginError::unsupported_op(op)),
        }
    }
}
export_plugin!(Shouty);
`;

test('crates outside the repository build and load on every boundary: one on the SDK by path, one written by hand', async () => {
  const withSdk = crate(
    'shouty',
    `[package]\nname = "shouty"\nversion = "0.3.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n[dependencies]\nplugbench-sdk = { path = ${JSON.stringify(join(fixturesWorkspace, 'sdk'))} }\n`,
    SDK_PLUGIN,
  );
  const byHand = crate(
    'byhand',
    `[package]\nname = "byhand"\nversion = "0.1.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n`,
    readFileSync(join(fixturesWorkspace, 'handmade', 'src', 'lib.rs'), 'utf8'),
  );
  const outDir = join(outside, 'build');
  const built = await buildPlugins({ crates: [withSdk, byHand], outDir });
  assert.equal(built.map((b) => b.name).sort(), ['handmade', 'shouty']);
  for (const boundary of BOUNDARIES) {
    const shouty = await openInstance(join(outDir, 'shouty'), boundary, { trusted });
    assert.is(shouty.manifest.version, '0.3.0');
    shouty.init('{}');
    const out = shouty.call('shout', new TextEncoder().encode('grüße'));
    assert.is(out.ok && new TextDecoder().decode(out.output), 'GRÜSSE', boundary);
    const byHandInstance = await openInstance(join(outDir, 'handmade'), boundary, { trusted });
    byHandInstance.init('{}');
    const reversed = byHandInstance.call('reverse', new Uint8Array([1, 2, 3]));
    assert.equal(reversed.ok && [...reversed.output], [3, 2, 1], boundary);
  }
});

test('a second build with nothing changed reuses every component', async () => {
  const built = await buildPlugins({ crates: [join(fixturesWorkspace, 'textkit')], outDir: join(outside, 'again') });
  const rebuilt = await buildPlugins({ crates: [join(fixturesWorkspace, 'textkit')], outDir: join(outside, 'again') });
  assert.is(built[0]!.componentRebuilt, true);
  assert.is(rebuilt[0]!.componentRebuilt, false);
});

function refusedKind(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'loaded',
    (e) => (e instanceof PluginLoadError ? e.kind : `threw ${e}`),
  );
}

test('a changed byte in any artifact file fails verification on the boundary that loads it', async () => {
  const meta = JSON.parse(readFileSync(join(fixture('textkit'), 'plugin.json'), 'utf8')) as PluginMeta;
  const files: Array<[Boundary, string]> = [
    ['wasm-core', meta.artifacts.wasm!.file],
    ['native', meta.artifacts.native!.file],
    ...meta.artifacts.component!.transpiled.map((f): [Boundary, string] => ['wasm-component', f.file]),
  ];
  for (const [boundary, file] of files) {
    const copy = mkdtempSync(join(tmpdir(), 'plugbench-tamper-'));
    cpSync(fixture('textkit'), copy, { recursive: true });
    const bytes = readFileSync(join(copy, file));
    bytes[bytes.length - 1]! ^= 0x80;
    writeFileSync(join(copy, file), bytes);
    assert.is(await refusedKind(openInstance(copy, boundary, { trusted })), 'rejected', `${file} on ${boundary}`);
  }
});

test('a changed field of plugin.json fails the signature', async () => {
  for (const change of [
    (m: PluginMeta) => (m.version = '9.9.9'),
    (m: PluginMeta) => (m.artifacts.wasm!.sha256 = '0'.repeat(64)),
    (m: PluginMeta) => (m.abi = '1.1'),
  ]) {
    const copy = mkdtempSync(join(tmpdir(), 'plugbench-tamper-'));
    cpSync(fixture('textkit'), copy, { recursive: true });
    const meta = JSON.parse(readFileSync(join(copy, 'plugin.json'), 'utf8')) as PluginMeta;
    change(meta);
    writeFileSync(join(copy, 'plugin.json'), JSON.stringify(meta));
    assert.is(await refusedKind(openInstance(copy, 'wasm-core', { trusted })), 'rejected');
  }
});

test.run();
