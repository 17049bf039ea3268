import { checkKeys, fuzzKeys, isInformational } from './informational.ts';
import { formatGateValue } from './format.ts';
import type { Results } from './results.ts';

const xml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

interface Case {
  name: string;
  classname: string;
  failure?: string;
  skipped?: string;
}

function suite(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases.map((c) => {
    const inner =
      c.failure !== undefined
        ? `<failure message="${xml(c.failure)}"/>`
        : c.skipped !== undefined
          ? `<skipped message="${xml(c.skipped)}"/>`
          : '';
    return `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}">${inner}</testcase>`;
  });
  return (
    `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" ` +
    `skipped="${skipped}">\n${body.join('\n')}\n  </testsuite>`
  );
}

/** junit.xml: one test case per threshold, check and fuzz property; value against threshold in each failure. */
export function renderJunit(results: Results): string {
  const gate = results.gate.map((g): Case => ({
    classname: `gate.${g.scenario}`,
    name: `${g.lane} ${g.metric} ${g.threshold}`,
    ...(g.status === 'fail'
      ? {
          failure:
            `${g.metric} = ${formatGateValue(g)} on ${g.lane}, threshold ` +
            `${g.threshold}${g.detail ? `: ${g.detail}` : ''}`,
        }
      : {}),
  }));
  const checks = results.checks.map((c): Case => ({
    classname: `check.${c.lane}`,
    name: `${c.id} (${c.plugin})`,
    ...(c.status === 'fail'
      ? isInformational(results.informational, checkKeys(c))
        ? { skipped: `informational, failed: ${c.detail}` }
        : { failure: c.detail }
      : c.status === 'unsupported'
        ? { skipped: `unsupported: ${c.detail}` }
        : {}),
  }));
  const fuzz = (results.fuzz?.properties ?? []).map((p): Case => {
    const failure = results.fuzz!.failures.find(
      (f) => f.plugin === p.plugin && f.op === p.op && (p.property === 'stateful') === (f.property === 'stateful'),
    );
    const text = failure && `${failure.message} — replay: ${failure.replay}`;
    return {
      classname: `fuzz.${p.plugin}`,
      name: `${p.property} ${p.op}`,
      ...(failure
        ? isInformational(results.informational, fuzzKeys(failure))
          ? { skipped: `informational, failed: ${text}` }
          : { failure: text }
        : {}),
    };
  });
  // No baseline: one skipped case says regressions were not judged, not one per scenario and lane.
  const notJudged = results.regressionsNotJudged;
  if (notJudged) gate.push({ classname: 'gate', name: 'regressions', skipped: notJudged });
  const suites = [suite('gate', gate), suite('checks', checks), suite('fuzz', fuzz)].filter(
    (s) => !s.includes('tests="0"'),
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="plugbench" ` +
    `tests="${gate.length + checks.length + fuzz.length}">\n${suites.join('\n')}\n</testsuites>\n`
  );
}
