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
const violations = result.output.summary.violations;
for (const v of violations.slice(0, 20)) {
  const cycle = v.cycle ? `: ${v.cycle.map((step) => step.name ?? step).join(' -> ')}` : '';
  console.log(`layering: ${v.rule.name}: ${v.from} -> ${v.to}${cycle}`);
}
if (violations.length > 20) console.log(`layering: … and ${violations.length - 20} more`);
process.exit(violations.length > 0 ? 1 : 0);
