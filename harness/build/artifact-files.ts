import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ArtifactFile, sha256Hex } from '../contract/provenance.ts';

/** Writes a file through a temporary one and a rename, so no reader sees half of it. */
export function writeAtomically(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

/** Writes an artifact into a plugin directory and returns its entry for plugin.json. */
export function writeArtifact(pluginDir: string, file: string, bytes: Uint8Array): ArtifactFile {
  writeAtomically(join(pluginDir, file), bytes);
  return { file, sha256: sha256Hex(bytes) };
}
