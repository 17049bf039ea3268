// Lists every line of the harness's TypeScript, .mjs and Go sources over 120 characters and
// exits 1 when there is one. Prettier wraps code at 120 columns but not strings or comments,
// and gofmt wraps nothing, so those are wrapped by hand; this keeps them so.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_COLUMNS = 120;
const SOURCE = /\.(ts|mjs|go)$/;
const root = fileURLToPath(new URL('..', import.meta.url));

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (SOURCE.test(entry.name)) yield path;
  }
}

const offenders = [];
for (const path of sources(join(root, 'harness'))) {
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      // Characters, not UTF-16 units: `µ` or `→` is one column.
      const columns = [...line].length;
      if (columns > MAX_COLUMNS) offenders.push(`${relative(root, path)}:${i + 1} (${columns})`);
    });
}
for (const offender of offenders) console.error(`line over ${MAX_COLUMNS} characters: ${offender}`);
process.exit(offenders.length > 0 ? 1 : 0);
