// Writes the contract's shared constants into TypeScript and Go from one table,
// harness/contract/contract.json, so the harness and the Go host cannot drift apart.
// `--check` writes nothing and exits 1 when a generated file differs from the table.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourcePath = 'harness/contract/contract.json';
const table = JSON.parse(readFileSync(`${root}${sourcePath}`, 'utf8'));
const header = `Generated from ${sourcePath} by \`node scripts/contract-gen.mjs\`: edit the table, not this file.`;

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const pascal = (name) => (name === 'ok' ? 'OK' : camel(name).replace(/^[a-z]/, (c) => c.toUpperCase()));
const goValue = (value) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** A TypeScript literal, one entry a line when it would not fit in 80 columns. */
function literal(value) {
  const key = (k) => (/^[a-zA-Z][a-zA-Z0-9]*$/.test(k) ? k : `'${k}'`);
  const item = (v) => (typeof v === 'string' ? `'${v}'` : String(v));
  const entries = Array.isArray(value)
    ? value.map(item)
    : Object.entries(value).map(([k, v]) => `${key(k)}: ${item(v)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{ ', ' }'];
  const oneLine = `${open}${entries.join(', ')}${close}`;
  return oneLine.length <= 80
    ? oneLine
    : `${open.trim()}\n${entries.map((e) => `  ${e},`).join('\n')}\n${close.trim()}`;
}

function typescript() {
  const object = literal;
  const lines = [
    `// ${header}`,
    '',
    '/** ABI version of contract v1 this host speaks: a plugin must match the major and not be newer in minor. */',
    `export const HOST_ABI = ${object(table.abi)} as const;`,
    '/** The only module a contract-v1 core module may import from. */',
    `export const HOST_IMPORT_MODULE = '${table.hostImportModule}';`,
    '/** The closed set of ways a call or a load can fail; on the Go wire a kind is its index plus one (0: ok). */',
    `export const FAILURE_KINDS = ${literal(table.failureKinds)} as const;`,
    '/** Kinds after which an instance is never called again. */',
    `export const POISONING_KIND_NAMES = ${literal(table.poisoningKinds)} as const;`,
    "/** The plugin's own error codes, in WIT order (the canonical-ABI discriminant is the index). */",
    `export const ERROR_CODES = ${literal(table.errorCodes)} as const;`,
    '/** Native status codes from plugbench.h: 1..ERROR_CODES.length are the error codes in order. */',
    `export const NATIVE_STATUS = ${object(table.nativeStatus)} as const;`,
    '/** Limits shared by every engine (bytes, or a share of the memory quota). */',
    `export const CONTRACT_LIMITS = ${object(table.limits)} as const;`,
    '/** Timing rules shared by the harness and the Go host (clock reads, ns, ms, counts). */',
    `export const CONTRACT_TIMING = ${object(table.timing)} as const;`,
    '/** Exit codes of a Go host that cannot go on: `quota`, when the memory quota leaves no room to go on. */',
    `export const GO_HOST_EXIT = ${object(table.hostExit)} as const;`,
    "/** Frame types of the Go host's wire protocol. */",
    `export const GO_REQUEST = ${object(table.frames.request)} as const;`,
    `export const GO_REPLY = ${object(table.frames.reply)} as const;`,
    '/** Frame types only a `@process` child sends (harness/isolation/call-frames.ts), numbered apart from the above. */',
    `export const CHILD_FRAME = ${object(table.frames.child)} as const;`,
    '',
  ];
  return lines.join('\n');
}

function go() {
  // Padded as gofmt aligns a block, so gofmt leaves the file as it is.
  const constBlock = (comment, entries) => {
    const width = Math.max(...entries.map(([name]) => name.length));
    return [
      `// ${comment}`,
      'const (',
      ...entries.map(([name, value]) => `\t${name.padEnd(width)} = ${value}`),
      ')',
      '',
    ];
  };
  const kinds = table.failureKinds.map((kind) => `kind${pascal(kind)}`);
  const lines = [
    `// ${header}`,
    '',
    'package main',
    '',
    ...constBlock('ABI version of contract v1 this host speaks.', [
      ['hostAbiMajor', table.abi.major],
      ['hostAbiMinor', table.abi.minor],
      ['hostImportModule', goValue(table.hostImportModule)],
    ]),
    '// failureKind is a way a call can fail; on the wire it is its index in FAILURE_KINDS plus one, and 0 is ok.',
    'type failureKind byte',
    '',
    'const (',
    '\tkindOK failureKind = iota',
    ...kinds.map((k) => `\t${k}`),
    ')',
    '',
    'var kindNames = [...]string{',
    ...['ok', ...table.failureKinds].map((k) => `\t${JSON.stringify(k)},`),
    '}',
    '',
    '// poisons says whether an instance must be replaced after a failure of this kind.',
    'func (k failureKind) poisons() bool {',
    '\tswitch k {',
    `\tcase ${table.poisoningKinds.map((k) => `kind${pascal(k)}`).join(', ')}:`,
    '\t\treturn true',
    '\t}',
    '\treturn false',
    '}',
    '',
    "// The plugin's own error codes, in WIT order.",
    `var errorCodes = [...]string{${table.errorCodes.map((c) => JSON.stringify(c)).join(', ')}}`,
    '',
    ...constBlock(
      'Native status codes from plugbench.h; 1..len(errorCodes) are the error codes in order.',
      Object.entries(table.nativeStatus).map(([name, value]) => [`native${pascal(name)}`, value]),
    ),
    ...constBlock(
      'Limits shared by every engine.',
      Object.entries(table.limits).map(([name, value]) => [camel(name), goValue(value)]),
    ),
    ...constBlock(
      'Timing rules shared with the harness.',
      Object.entries(table.timing).map(([name, value]) => [camel(name), goValue(value)]),
    ),
    ...constBlock(
      'Exit codes of a host that cannot go on (harness/isolations/supervised-lane.ts reads them).',
      Object.entries(table.hostExit).map(([name, value]) => [`exit${pascal(name)}`, value]),
    ),
    ...constBlock('Frame types of the wire protocol (harness/isolations/go-frames.ts is the other side).', [
      ...Object.entries(table.frames.request).map(([name, value]) => [`req${pascal(name)}`, value]),
      ...Object.entries(table.frames.reply).map(([name, value]) => [`rep${pascal(name)}`, value]),
    ]),
    ...constBlock(
      'Frame types only a Node `@process` child sends: reserved here so that the two tables never collide.',
      Object.entries(table.frames.child).map(([name, value]) => [`child${pascal(name)}`, value]),
    ),
  ];
  return lines.join('\n');
}

const outputs = [
  ['harness/contract/generated.ts', typescript()],
  ['harness/hosts/go/contract_gen.go', go()],
];
const check = process.argv.includes('--check');
let drifted = 0;
for (const [path, text] of outputs) {
  let current = '';
  try {
    current = readFileSync(`${root}${path}`, 'utf8');
  } catch {}
  if (current === text) continue;
  if (check) {
    console.error(
      `contract-gen: \`${path}\` differs from ${sourcePath}; run \`node scripts/contract-gen.mjs\` and commit both`,
    );
    drifted++;
  } else {
    writeFileSync(`${root}${path}`, text);
    console.error(`contract-gen: wrote ${path}`);
  }
}
process.exit(drifted > 0 ? 1 : 0);
