import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

/** The kinds of input an op takes; fuzzing and `--input-size` generate inputs from it. */
export type InputKind = 'bytes' | 'utf8' | 'image' | 'u64';

export interface OpSpec {
  name: string;
  input: InputKind;
  /** Same input, same output. @default false */
  deterministic?: boolean;
}

/** What a plugin says about itself through `describe` (schema: manifest.schema.json). */
export interface Manifest {
  name: string;
  version: string;
  /** `major.minor` of the contract the plugin was built against. */
  abi: string;
  ops: OpSpec[];
  capabilities: string[];
  limits?: { memoryBytes?: number; callTimeoutMs?: number };
}

const schema = JSON.parse(readFileSync(new URL('./manifest.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile<Manifest>(schema);

function describeSchemaError(e: ErrorObject): string {
  const at = e.instancePath === '' ? 'the manifest' : `\`${e.instancePath}\``;
  if (e.keyword === 'additionalProperties') return `${at} has unknown field \`${e.params.additionalProperty}\``;
  if (e.keyword === 'enum') return `${at} ${e.message}: ${JSON.stringify(e.params.allowedValues)}`;
  return `${at} ${e.message}`;
}

/**
 * Parses and validates the manifest JSON that `describe` returned.
 * Returns every problem at once (empty when the manifest is valid).
 */
export function parseManifest(
  json: string,
): { manifest: Manifest; problems: [] } | { manifest?: undefined; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return { problems: [`describe returned text that is not JSON (${(e as Error).message})`] };
  }
  if (!validate(value)) return { problems: (validate.errors ?? []).map(describeSchemaError) };
  const seen = new Set<string>();
  const duplicates = value.ops.map((op) => op.name).filter((n) => seen.size === seen.add(n).size);
  if (duplicates.length > 0) return { problems: duplicates.map((n) => `op \`${n}\` is declared twice in \`/ops\``) };
  return { manifest: value, problems: [] };
}

export function parseAbi(abi: string): { major: number; minor: number } {
  const [major, minor] = abi.split('.').map(Number);
  return { major: major ?? NaN, minor: minor ?? NaN };
}
