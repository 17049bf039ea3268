import { relative } from 'node:path';

/** The line a person runs to sign an artifact, for messages that refuse an unsigned one. */
export function signLine(artifact: string): string {
  const near = relative(process.cwd(), artifact);
  const shown = near === '' || near.startsWith('..') ? artifact : near;
  return `plugbench sign ${shown} --out ${shown.replace(/\.wasm$/, '')}-signed`;
}
