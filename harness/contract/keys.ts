import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.ts';

/** A public key the harness trusts, with the id that plugin.json signatures name. */
export interface TrustedKey {
  keyId: string;
  key: KeyObject;
  source: string;
}

/** First 16 hex digits of the SHA-256 of the key's SPKI encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

const devKeyPaths = (stateDir: string) => ({
  privatePath: join(stateDir, 'keys', 'dev.key'),
  publicPath: join(stateDir, 'keys', 'dev.pub'),
});

/** The development signing key, created on first use (mode 0600, kept out of git). */
export function loadOrCreateDevKey(stateDir: string): KeyObject {
  const { privatePath, publicPath } = devKeyPaths(stateDir);
  if (existsSync(privatePath)) return createPrivateKey(readFileSync(privatePath));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(join(stateDir, 'keys'), { recursive: true, mode: 0o700 });
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return privateKey;
}

/** Reads an Ed25519 public key (PEM, SPKI) from a file. */
export function readTrustedKey(path: string): TrustedKey {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path));
  } catch (e) {
    throw new UsageError(
      `cannot read trusted key \`${path}\` (${(e as Error).message}): give a PEM Ed25519 public key, as ` +
        `\`plugbench build\` writes to .plugbench/keys/dev.pub`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new UsageError(`trusted key \`${path}\` is ${key.asymmetricKeyType}, not ed25519`);
  return { keyId: keyIdOf(key), key, source: path };
}

/**
 * The keys a load trusts: the development key (when one exists), every path in
 * `PLUGBENCH_TRUSTED_KEYS` (colon-separated) and every path given.
 */
export function trustedKeys(stateDir: string, extraPaths: readonly string[] = []): TrustedKey[] {
  const { publicPath } = devKeyPaths(stateDir);
  const fromEnv = (process.env.PLUGBENCH_TRUSTED_KEYS ?? '').split(':').filter(Boolean);
  const paths = [...(existsSync(publicPath) ? [publicPath] : []), ...fromEnv, ...extraPaths];
  return paths.map(readTrustedKey);
}
