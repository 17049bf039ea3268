// Checks that imports in harness/ flow one way (the floors of .dependency-cruiser.cjs) and
// form no circle. Calls dependency-cruiser's API: its CLI refuses Node 20, the API works.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const config = createRequire(import.meta.url)(`${root}.dependency-cruiser.cjs`);
const result = await cruise(['harness'], {
  ...config.options,
  validate: true,
  ruleSet: { forbidden: config.forbidden },
});
// Floor violations first: a circle is most often the echo of one.
const violations = result.output.summary.violations.toSorted((a, b) => Number(!!a.cycle) - Number(!!b.cycle));
const SHOWN = 10;
for (const v of violations.slice(0, SHOWN)) {
  const circle = v.cycle ? ` (a circle of ${v.cycle.length} modules)` : '';
  console.log(`layering: ${v.rule.name}: ${v.from} -> ${v.to}${circle}`);
}
if (violations.length > SHOWN) console.log(`layering: … and ${violations.length - SHOWN} more`);
process.exit(violations.length > 0 ? 1 : 0);
