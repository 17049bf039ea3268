import { DEFAULT_POLICY } from '../contract/policy.ts';
import { SCENARIO_DEFAULTS, type ScenarioOptions } from '../scenario/scenario.ts';
import { packageVersion } from '../paths.ts';
import type { ProjectConfigOptions } from '../project/config.ts';

/** The composite action of the plugbench repository, at the version of this package. */
export const ACTION_REF = `plugbench/plugbench@v${packageVersion}`;

/** Lanes of the scenarios `init` writes: isolated, so a crash or a hang stays out of the harness. */
export const INIT_LANES = ['wasm-core@worker', 'native@process'];

/** The config `init` writes: the defaults spelled out, so a user sees every folder it uses. */
export function initialConfig(): ProjectConfigOptions {
  const { quotas, grants } = DEFAULT_POLICY;
  const [memoryQuota, deadlineQuota] = [`${quotas.memoryBytes / 1024 ** 2}MiB`, `${quotas.callTimeoutMs}ms`];
  const policy = { memoryQuota, deadlineQuota, grants: [...grants] };
  return {
    crates: ['.'],
    scenarios: 'plugbench/scenarios',
    baselines: 'reports/baselines',
    corpus: 'plugbench/corpus',
    policy,
  };
}

/** One scenario per op: a short closed loop on each isolated lane, in every suite. */
export function initialScenario(plugin: string, op: string): ScenarioOptions {
  return {
    id: `${plugin}-${op}`.replace(/[^a-zA-Z0-9_-]/g, '_'),
    plugin,
    op,
    lanes: INIT_LANES,
    input: { ...SCENARIO_DEFAULTS.input },
    load: { ...SCENARIO_DEFAULTS.load },
    duration: `${SCENARIO_DEFAULTS.bound.durationMs / 1000}s`,
    deadlineMs: 1000,
    suites: ['smoke', 'nightly', 'release'],
    thresholds: ['errors.rate == 0', 'regression.p50 < 25%'],
  };
}

/** Lines `init` makes sure the project's .gitignore has: local state and run output, not baselines. */
export const GITIGNORE_LINES = ['.plugbench/', 'reports/*', '!reports/baselines/'];

/** The CI workflow `init` writes: smoke gate on pull requests, nightly shards merged and gated, release gate. */
export function initialWorkflow(plugins: readonly string[]): string {
  const fuzzPlugins = plugins.map((p) => `--plugin ${p}`).join(' ');
  const releaseParts = ['run', 'check', 'fuzz'].map((part) => `reports/release-${part}/results.json`).join(' ');
  return `# plugbench: a smoke gate on pull requests, the nightly suite in shards merged into one gate,
# and a release gate on tags (release suite against the \`main\` baseline, the safety matrix, a fuzz budget).
# Save the baseline from a trusted run: npx plugbench baseline save reports/latest/results.json --name main
name: plugbench
on:
  pull_request:
  schedule:
    - cron: "17 2 * * *"
  push:
    tags: ["v*"]
  workflow_dispatch:

jobs:
  smoke:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: ${ACTION_REF}
        with:
          command: run --suite smoke --baseline main

  nightly:
    if: github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-24.04
    strategy:
      fail-fast: false
      matrix:
        shard: [1, 2, 3]
    steps:
      - uses: actions/checkout@v4
      # Each shard reports; the merged result decides.
      - uses: ${ACTION_REF}
        with:
          command: run --suite nightly --shard \${{ matrix.shard }}/3 --out reports/shard-\${{ matrix.shard }}
          out: reports/shard-\${{ matrix.shard }}
          report-name: shard-\${{ matrix.shard }}
          fail-on-gate: "false"

  nightly-merge:
    needs: nightly
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          pattern: shard-*
          path: reports/shards
      # Histograms are added exactly; the gate runs on the merged result.
      - uses: ${ACTION_REF}
        with:
          command: merge reports/shards/*/results.json -o reports/nightly --baseline main
          out: reports/nightly
          report-name: nightly-report
          build: "false"

  release:
    if: startsWith(github.ref, 'refs/tags/')
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: ${ACTION_REF}
        with:
          command: run --suite release --baseline main --out reports/release-run
          out: reports/release-run
          report-name: release-run
          fail-on-gate: "false"
      - uses: ${ACTION_REF}
        with:
          command: check${plugins.map((p) => ` --plugin ${p}`).join('')} --out reports/release-check
          out: reports/release-check
          report-name: release-check
          fail-on-gate: "false"
      - uses: ${ACTION_REF}
        with:
          command: fuzz ${fuzzPlugins} --time 120s --out reports/release-fuzz
          out: reports/release-fuzz
          report-name: release-fuzz
          fail-on-gate: "false"
      - uses: ${ACTION_REF}
        with:
          command: merge ${releaseParts} -o reports/release --baseline main
          out: reports/release
          report-name: release-report
          build: "false"
`;
}
