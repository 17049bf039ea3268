import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderJunit } from '../../harness/report/junit.ts';
import { renderHtml } from '../../harness/report/report-html.ts';
import { RESULTS_SCHEMA, type Results } from '../../harness/report/results.ts';

const results: Results = {
  schema: RESULTS_SCHEMA,
  verdict: 'fail',
  command: 'plugbench run',
  startedAt: '',
  finishedAt: '',
  interrupted: false,
  env: {
    fingerprint: 'f',
    node: 'v20',
    os: 'linux',
    cpu: 'cpu',
    cores: 2,
    memoryBytes: 1,
    toolchain: 't',
    lockfile: 'l',
    commit: 'c',
  },
  scenarios: [],
  checks: [
    { id: 'fault.panic', plugin: 'faulty', lane: 'native@process', status: 'pass', detail: 'panic: boom' },
    {
      id: 'fault.spin',
      plugin: 'faulty',
      lane: 'native@inproc',
      status: 'unsupported',
      detail: 'cannot interrupt <own thread> & "so on"',
    },
    {
      id: 'fault.segv',
      plugin: 'faulty',
      lane: 'native@process',
      status: 'fail',
      detail: 'expected crash, got ok \u0001',
    },
  ],
  gate: [
    {
      metric: 'latency.p99',
      scenario: 's<1>',
      lane: 'wasm-core@inproc',
      threshold: '< 50us',
      value: 73000,
      status: 'fail',
    },
  ],
};

test('junit.xml is well-formed XML with a case per threshold and check, and value against threshold in failures', () => {
  const xml = renderJunit(results);
  const parsed = spawnSync(
    'python3',
    [
      '-c',
      'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.read()); print(len(d.getElementsByTagName("testcase")), len(d.getElementsByTagName("failure")), len(d.getElementsByTagName("skipped")))',
    ],
    { input: xml, encoding: 'utf8' },
  );
  assert.is(parsed.status, 0, parsed.stderr);
  assert.is(parsed.stdout.trim(), '4 2 1');
  assert.match(xml, 'latency.p99 = 73.0 µs on wasm-core@inproc, threshold &lt; 50us');
});

test('a gate row with nothing measured reads n/a, also when rendered again from results.json', () => {
  const unmeasured: Results = {
    ...results,
    gate: [
      {
        metric: 'regression.p50',
        scenario: 's',
        lane: 'native@go',
        threshold: '< 10%',
        value: null,
        status: 'warn',
        detail: 'no baseline',
      },
    ],
  };
  const html = renderHtml(JSON.parse(JSON.stringify(unmeasured)) as Results);
  const row = /<tr[^>]*><td class="warn">warn<\/td>.*?<\/tr>/.exec(html)?.[0] ?? '';
  assert.match(row, '<td>n/a</td>');
  assert.not.match(row, /0\.0%|null|NaN/);
});

test.run();
