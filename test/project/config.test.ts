import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../harness/contract/errors.ts';
import { packageRoot, findProjectRoot } from '../../harness/paths.ts';
import { configProblems, readProjectConfig } from '../../harness/project/config.ts';
import { openProject } from '../../harness/project/project.ts';

test('a config with every key valid has no problem', () => {
  const config = {
    crates: ['.', 'plugins/other'],
    build: 'out',
    scenarios: ['bench/a.json'],
    suites: { nightly: ['a'] },
    lanes: ['wasm-core@worker', 'native@process'],
    plugins: ['shouty'],
    policy: { memoryQuota: '64MiB', deadlineQuota: '1s', grants: ['log'] },
    baselines: 'bl',
    corpus: 'corpus',
    trustedKeys: ['keys/ci.pub'],
  };
  assert.equal(configProblems(config), []);
});

test('every problem at once, each naming the key and the value it got', () => {
  const problems = configProblems({
    crate: ['.'],
    lanes: ['wasm-core@nowhere'],
    suites: { weekly: ['a'], smoke: 'a' },
    build: 3,
    policy: { memoryQuota: '64 parsecs', deadlineQuota: -1, grants: ['net'], memory: 1 },
  });
  const expected = [
    'unknown key `crate`',
    '`build` must be a folder path, got 3',
    '`lanes`: ',
    '`suites`: `weekly` is not a suite',
    '`suites.smoke` must be a list of scenario ids, got "a"',
    'unknown field `memory`',
    '`policy.memoryQuota` must be a size like `512MiB`',
    '`policy.deadlineQuota` must be a duration like `5s`',
    '`policy.grants`: `net` cannot be granted',
  ];
  for (const start of expected)
    assert.ok(
      problems.some((p) => p.startsWith(start)),
      `expected a problem starting with ${start}; got:\n${problems.join('\n')}`,
    );
  assert.is(problems.length, expected.length, problems.join('\n'));
});

test('a bad config file is refused as a usage error that lists its problems and names the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'plugbench-config-'));
  writeFileSync(join(root, 'plugbench.config.json'), JSON.stringify({ scenarios: 7, trustedKeys: 'k.pub' }));
  try {
    readProjectConfig(root);
    assert.unreachable('an invalid config must be refused');
  } catch (e) {
    assert.instance(e, UsageError);
    assert.match((e as Error).message, `\`${join(root, 'plugbench.config.json')}\` is invalid:`);
    assert.match((e as Error).message, '`scenarios` must be a folder or a list of scenario files, got 7');
    assert.match((e as Error).message, '`trustedKeys` must be a list of non-empty strings, got "k.pub"');
  }
});

test('paths resolve against the project root, found from a subdirectory; policy quotas are parsed', () => {
  const root = mkdtempSync(join(tmpdir(), 'plugbench-project-'));
  writeFileSync(
    join(root, 'plugbench.config.json'),
    JSON.stringify({ corpus: 'fuzz/corpus', policy: { memoryQuota: '64MiB', deadlineQuota: '1s', grants: ['log'] } }),
  );
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  assert.is(findProjectRoot(join(root, 'src', 'deep')), root);
  const project = openProject(root);
  assert.is(project.corpusDir, join(root, 'fuzz', 'corpus'));
  assert.is(project.buildDir, join(root, '.plugbench', 'build'));
  assert.is(project.baselinesDir, join(root, 'reports', 'baselines'));
  assert.equal(project.crates, [root]);
  assert.equal(project.policy.quotas, { memoryBytes: 64 * 1024 * 1024, callTimeoutMs: 1000 });
  assert.equal([...project.policy.grants], ['log']);
});

test('the checkout is a project like any other: its config keeps the fixtures layout', () => {
  const project = openProject(packageRoot);
  assert.is(project.buildDir, join(packageRoot, 'fixtures', 'build'));
  assert.is(project.corpusDir, join(packageRoot, 'fixtures', 'corpus'));
  assert.equal(project.scenarios, [join(packageRoot, 'scenarios')]);
});

test.run();
