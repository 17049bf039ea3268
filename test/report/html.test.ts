import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks } from '../../harness/check/run-checks.ts';
import { parseLanes } from '../../harness/lanes/registry.ts';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { environment } from '../../harness/measure/environment.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { CHROMIUM_INSTALL, findChromium, HEADLESS_FLAGS } from '../../harness/report/chromium.ts';
import { renderHtml } from '../../harness/report/report-html.ts';
import { RESULTS_SCHEMA } from '../../harness/report/results.ts';
import { resolveScenario } from '../../harness/scenario/scenario.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

test('report.html renders in headless Chromium with no console errors and shows its charts', async () => {
  const chromium = findChromium();
  assert.ok(chromium, `Chromium is needed for this test: ${CHROMIUM_INSTALL}`);
  await initHistograms();
  const scenario = await runScenario(
    resolveScenario(
      {
        id: 'html',
        plugin: 'textkit',
        op: 'tokenize',
        lanes: ['wasm-core@inproc', 'native@inproc'],
        load: { model: 'open', ratePerSec: 2000 },
        duration: '1s',
        suites: [],
      },
      'test',
    ),
    { trusted },
  );
  const plugins = {
    faulty: fixture('faulty'),
    liar: fixture('liar'),
    healthy: fixture('textkit'),
    abiFuture: fixture('abi-future'),
    greedy: fixture('greedy'),
  };
  const { checks } = await runChecks({ lanes: parseLanes(['wasm-core@inproc']), plugins, trusted });
  const html = renderHtml({
    schema: RESULTS_SCHEMA,
    verdict: 'pass',
    command: 'test',
    startedAt: '',
    finishedAt: '',
    interrupted: false,
    env: environment(),
    scenarios: [scenario],
    checks,
    gate: [],
  });
  assert.not.match(html, /(src|href)="https?:/, 'nothing is fetched from the network');
  const dir = mkdtempSync(join(tmpdir(), 'plugbench-html-'));
  const page = join(dir, 'report.html');
  writeFileSync(page, html);
  const run = spawnSync(
    chromium!,
    [
      ...HEADLESS_FLAGS,
      `--user-data-dir=${join(dir, 'profile')}`,
      '--enable-logging=stderr',
      '--v=0',
      '--dump-dom',
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.is(run.status, 0, run.stderr.slice(-2000));
  const consoleErrors = run.stderr.split('\n').filter((line) => /CONSOLE|Uncaught/.test(line));
  assert.equal(consoleErrors, []);
  const charts = Number(/data-charts="(\d+)"/.exec(run.stdout)?.[1] ?? 0);
  assert.ok(charts >= 6, `the page drew ${charts} chart lines`);
  assert.match(run.stdout, 'Safety matrix');
  assert.match(run.stdout, 'Latency by percentile');
});

test.run();
