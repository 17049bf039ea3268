import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import { keyIdOf, type TrustedKey } from '../../harness/contract/keys.ts';
import {
  canonicalJson,
  readSignedPluginMeta,
  readVerifiedArtifact,
  sha256Hex,
  signPluginMeta,
  type UnsignedPluginMeta,
} from '../../harness/contract/provenance.ts';

function keyPair(): { privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']; trusted: TrustedKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, trusted: { keyId: keyIdOf(publicKey), key: publicKey, source: 'test' } };
}

function signedDir(privateKey: ReturnType<typeof keyPair>['privateKey']) {
  const dir = mkdtempSync(join(tmpdir(), 'plugbench-provenance-'));
  const bytes = Buffer.from('\0asm fake bytes');
  writeFileSync(join(dir, 'p.wasm'), bytes);
  const unsigned: UnsignedPluginMeta = {
    schema: 'plugbench/plugin@1',
    name: 'p',
    version: '1.0.0',
    abi: '1.0',
    artifacts: { wasm: { file: 'p.wasm', sha256: sha256Hex(bytes) } },
  };
  const meta = signPluginMeta(unsigned, privateKey);
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(meta));
  return { dir, meta };
}

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PluginLoadError && e.kind === 'rejected') return e.message;
    throw e;
  }
  throw new Error('expected a rejection');
}

test('canonical JSON sorts keys at every depth and drops undefined', () => {
  assert.is(
    canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: 'x' } }),
    '{"a":{"c":"x","d":[1,{"z":0}]},"b":1}',
  );
});

test('a signed plugin.json verifies and its artifact reads back', () => {
  const { privateKey, trusted } = keyPair();
  const { dir, meta } = signedDir(privateKey);
  const read = readSignedPluginMeta(dir, [trusted]);
  assert.is(read.signature.keyId, trusted.keyId);
  assert.is(readVerifiedArtifact(dir, meta.artifacts.wasm!).toString(), '\0asm fake bytes');
});

test('a changed field of plugin.json fails the signature', () => {
  const { privateKey, trusted } = keyPair();
  const { dir, meta } = signedDir(privateKey);
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify({ ...meta, version: '1.0.1' }));
  assert.match(
    rejection(() => readSignedPluginMeta(dir, [trusted])),
    'does not match its contents: the file was changed after signing',
  );
});

test('an unknown key is named, with the flag that trusts it', () => {
  const { privateKey } = keyPair();
  const { dir } = signedDir(privateKey);
  assert.match(
    rejection(() => readSignedPluginMeta(dir, [keyPair().trusted])),
    'which is not trusted',
  );
  assert.match(
    rejection(() => readSignedPluginMeta(dir, [])),
    'pass its public key with `--trust FILE`',
  );
});

test('a changed artifact byte fails its hash', () => {
  const { privateKey } = keyPair();
  const { dir, meta } = signedDir(privateKey);
  writeFileSync(join(dir, 'p.wasm'), Buffer.from('\0asm fake byteS'));
  assert.match(
    rejection(() => readVerifiedArtifact(dir, meta.artifacts.wasm!)),
    'artifact `p.wasm` has SHA-256',
  );
});

test('an artifact path that leaves the plugin directory is malformed', () => {
  const { privateKey, trusted } = keyPair();
  const { dir, meta } = signedDir(privateKey);
  const { signature: _, ...unsigned } = meta;
  const escaping = signPluginMeta(
    { ...unsigned, artifacts: { wasm: { file: '../../etc/passwd', sha256: meta.artifacts.wasm!.sha256 } } },
    privateKey,
  );
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(escaping));
  assert.match(
    rejection(() => readSignedPluginMeta(dir, [trusted])),
    '`/artifacts/wasm/file` must match pattern',
  );
});

test.run();
