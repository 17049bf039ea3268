import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NO_BASELINE } from '../../harness/gate/evaluate.ts';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { environment } from '../../harness/measure/environment.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { CHROMIUM_INSTALL, findChromium, HEADLESS_FLAGS } from '../../harness/report/chromium.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { renderHtml } from '../../harness/report/report-html.ts';
import { type GateResult, RESULTS_SCHEMA, type Results } from '../../harness/report/results.ts';
import { renderSummaryMarkdown } from '../../harness/report/summary-markdown.ts';
import { resolveScenario } from '../../harness/scenario/scenario.ts';
import { trusted } from '../helpers/plugins.ts';

/** A laptop's first screen. */
const SCREEN = { width: 1280, height: 800 };

const passing = (i: number): GateResult => ({
  metric: 'errors.rate',
  scenario: `scenario-${i}`,
  lane: 'wasm-core@worker',
  threshold: '== 0',
  value: 0,
  status: 'pass',
});
const failing = (i: number): GateResult => ({
  metric: 'latency.p99',
  scenario: `slow-${i}`,
  lane: 'native@process',
  threshold: '< 50us',
  value: 73_000 + i,
  status: 'fail',
});

async function resultsWith(failed: number): Promise<Results> {
  await initHistograms();
  const scenario = await runScenario(
    resolveScenario(
      { id: 'echo', plugin: 'textkit', op: 'echo', lanes: ['wasm-core@inproc'], duration: '300ms', suites: [] },
      'test',
    ),
    { trusted },
  );
  return {
    schema: RESULTS_SCHEMA,
    verdict: failed > 0 ? 'fail' : 'pass',
    command: 'plugbench run --suite smoke',
    startedAt: '',
    finishedAt: '',
    interrupted: false,
    env: environment(),
    scenarios: [scenario],
    checks: [
      { id: 'fault.segv', plugin: 'faulty', lane: 'native@process', status: 'fail', detail: 'expected crash, got ok' },
    ],
    gate: [
      ...Array.from({ length: 40 }, (_, i) => passing(i)),
      ...Array.from({ length: failed }, (_, i) => failing(i)),
      { ...passing(99), status: 'warn', value: null, detail: 'not measured' },
    ],
    regressionsNotJudged: NO_BASELINE,
  };
}

/** How many of the verdict and the rows needing attention end below the first screen, in headless Chromium. */
function belowFirstScreen(html: string): { below: number; dom: string } {
  const chromium = findChromium();
  assert.ok(chromium, `Chromium is needed for this test: ${CHROMIUM_INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'plugbench-screen-'));
  const page = join(dir, 'report.html');
  writeFileSync(page, html);
  const run = spawnSync(
    chromium!,
    [
      ...HEADLESS_FLAGS,
      `--user-data-dir=${join(dir, 'profile')}`,
      `--window-size=${SCREEN.width},${SCREEN.height}`,
      '--dump-dom',
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.is(run.status, 0, run.stderr.slice(-2000));
  const below = /data-below-first-screen="(\d+)"/.exec(run.stdout)?.[1];
  assert.ok(below !== undefined, 'the page counted what lies below its first screen');
  return { below: Number(below), dom: run.stdout };
}

test('the first screen of report.html holds the verdict and every failing row, before 40 passing ones', async () => {
  const results = await resultsWith(8);
  const { below, dom } = belowFirstScreen(renderHtml(results));
  assert.is(below, 0, `${below} of the verdict and the rows needing attention lie below the first ${SCREEN.height} px`);
  assert.match(dom, 'plugbench: FAIL');
  assert.match(dom, '9 failed · 1 warned · 40 passed');
  const attention = dom.slice(dom.indexOf('Needs attention'), dom.indexOf('</table>', dom.indexOf('Needs attention')));
  assert.is(attention.match(/data-attention="fail"/g)?.length, 9, 'eight gate rows and a check');
  assert.ok(
    attention.lastIndexOf('data-attention="fail"') < attention.indexOf('data-attention="warn"'),
    'failed rows come before warned ones',
  );
  assert.match(dom, /<details><summary>40 passing gate rows<\/summary>/);
});

test('the first-screen count can fail: 60 failing rows do not fit', async () => {
  const { below } = belowFirstScreen(renderHtml(await resultsWith(60)));
  assert.ok(below > 0, 'rows past the fold are counted');
});

test('no baseline is said once, in the summary, the report and JUnit, not per scenario and lane', async () => {
  const results = await resultsWith(1);
  const count = (text: string) => text.split('regressions not judged').length - 1;
  assert.is(count(renderSummaryMarkdown(results)), 1);
  assert.is(count(renderHtml(results)), 1);
  const junit = renderJunit(results);
  assert.is(count(junit), 1);
  assert.match(junit, /<testcase classname="gate" name="regressions"><skipped message="regressions not judged/);
  const summary = renderSummaryMarkdown(results);
  assert.ok(
    summary.indexOf('## Needs attention') < summary.indexOf('<details><summary>40 passing gate rows'),
    'failures before the folded passes',
  );
  assert.match(
    summary,
    /- \*\*wasm-core@inproc\*\*: p50 [\d.]+ [nµm]s · p99 [\d.]+ [nµm]s · no errors · -?[\d.]+ B\/call/,
  );
});

test.run();
