import type { InputSpec } from '../load/inputs.ts';
import { type RunBound } from '../isolations/host-load-lane.ts';
import type { LoadModel } from '../load/model.ts';
import { laneKind, parseLane } from '../lanes/registry.ts';
import { type LaneId, laneName } from '../isolations/lane.ts';
import { UsageError } from '../contract/errors.ts';
import { parseThreshold } from '../gate/threshold.ts';
import { parseDurationMs } from '../contract/duration.ts';
import type { PolicyOverrides } from '../contract/policy.ts';
import { type PolicyOptions, resolvePolicy } from '../contract/policy-options.ts';
import { SUITES, type SuiteName } from '../project/config.ts';

/** What a scenario gets for each field it leaves out; `init` writes the same. */
export const SCENARIO_DEFAULTS = {
  input: { sizeBytes: 1024 },
  load: { model: 'closed', concurrency: 1 },
  bound: { durationMs: 2000 },
  batch: 1,
} as const satisfies { input: InputSpec; load: LoadModel; bound: RunBound; batch: number };

/**
 * A scenario as a user writes it: which op of which plugin, on which lanes, under what load.
 * Everything but `id`, `plugin`, `op` and `lanes` has a default.
 */
export interface ScenarioOptions {
  /** Unique across the suite; used in reports and gate expressions. */
  id: string;
  /** A fixture plugin's name or the path of a built plugin directory. */
  plugin: string;
  op: string;
  /** Lanes as `boundary@isolation`. */
  lanes: string[];
  /** @default SCENARIO_DEFAULTS.input */
  input?: InputSpec;
  /** @default SCENARIO_DEFAULTS.load */
  load?: LoadModel;
  /** How long to measure (`2s`, `500ms`), after warm-up. @default SCENARIO_DEFAULTS.bound */
  duration?: string | number;
  /** Or how many calls to measure, instead of a duration. */
  calls?: number;
  /** Deadline on every call, in ms; lanes that cannot enforce one refuse it. */
  deadlineMs?: number;
  /**
   * Closed loop on worker and process lanes: calls per crossing, each timed inside.
   * @default SCENARIO_DEFAULTS.batch
   */
  batch?: number;
  /** The JSON object passed to `init`. @default {} */
  config?: Record<string, unknown>;
  /**
   * Quotas and grants for this scenario's plugin, e.g.
   * `{ memoryQuota: '1GiB' }`; the command line's flags win.
   * @default the host's
   */
  policy?: PolicyOptions;
  /** Suites this scenario belongs to. */
  suites: SuiteName[];
  /** Gate expressions, e.g. `latency.p99 < 50us`. @default [] */
  thresholds?: string[];
}

/** A validated scenario with every default filled in. */
export interface Scenario {
  id: string;
  plugin: string;
  op: string;
  lanes: LaneId[];
  input: InputSpec;
  load: LoadModel;
  bound: RunBound;
  deadlineMs?: number;
  batch: number;
  config: string;
  /** The policy fields the scenario sets, laid over the host's policy when it runs. */
  policy: PolicyOverrides;
  suites: SuiteName[];
  thresholds: string[];
  /** Where it was defined, for error messages. */
  source: string;
}

/** Declares a scenario; checked when a suite loads it. */
export function scenario(options: ScenarioOptions): ScenarioOptions {
  return options;
}

const KNOWN_KEYS = new Set([
  'id',
  'plugin',
  'op',
  'lanes',
  'input',
  'load',
  'duration',
  'calls',
  'deadlineMs',
  'batch',
  'config',
  'policy',
  'suites',
  'thresholds',
]);

/** Validates a scenario and fills its defaults; every problem is reported at once (exit 2). */
export function resolveScenario(raw: ScenarioOptions, source: string): Scenario {
  const problems: string[] = [];
  for (const key of Object.keys(raw))
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown field \`${key}\` (known: ${[...KNOWN_KEYS].join(', ')})`);
  for (const field of ['id', 'plugin', 'op'] as const)
    if (typeof raw[field] !== 'string' || raw[field] === '')
      problems.push(`\`${field}\` must be a non-empty string, got ${JSON.stringify(raw[field])}`);
  const lanes = lanesOf(raw, problems);
  const load = loadOf(raw, lanes, problems);
  const bound = boundOf(raw, problems);
  for (const threshold of raw.thresholds ?? []) {
    try {
      parseThreshold(threshold);
    } catch (e) {
      problems.push(`\`thresholds\`: ${(e as Error).message}`);
    }
  }
  if (raw.batch !== undefined && !(Number.isInteger(raw.batch) && raw.batch >= 1))
    problems.push(`\`batch\` must be a whole number ≥ 1, got ${JSON.stringify(raw.batch)}`);
  if (raw.batch !== undefined && raw.batch > 1 && raw.deadlineMs !== undefined)
    problems.push('`batch` and `deadlineMs` do not mix: a deadline applies to one call, a batch crosses many');
  const policy = policyOf(raw, problems);
  const suites = raw.suites ?? [];
  for (const suite of suites)
    if (!(SUITES as readonly string[]).includes(suite))
      problems.push(`\`suites\`: \`${suite}\` is not a suite (${SUITES.join(', ')})`);
  if (problems.length > 0)
    throw new UsageError(`scenario \`${raw.id ?? '?'}\` in ${source} is invalid:\n  ${problems.join('\n  ')}`);
  return {
    id: raw.id,
    plugin: raw.plugin,
    op: raw.op,
    lanes,
    input: raw.input ?? SCENARIO_DEFAULTS.input,
    load,
    bound,
    ...(raw.deadlineMs !== undefined ? { deadlineMs: raw.deadlineMs } : {}),
    batch: raw.batch ?? SCENARIO_DEFAULTS.batch,
    config: JSON.stringify(raw.config ?? {}),
    policy,
    suites,
    thresholds: raw.thresholds ?? [],
    source,
  };
}

function lanesOf(raw: ScenarioOptions, problems: string[]): LaneId[] {
  if (!Array.isArray(raw.lanes) || raw.lanes.length === 0)
    problems.push(`\`lanes\` must list at least one lane like \`wasm-core@inproc\`, got ${JSON.stringify(raw.lanes)}`);
  const lanes: LaneId[] = [];
  for (const lane of Array.isArray(raw.lanes) ? raw.lanes : []) {
    try {
      lanes.push(parseLane(lane));
    } catch (e) {
      problems.push(`\`lanes\`: ${(e as Error).message}`);
    }
  }
  return lanes;
}

function loadOf(raw: ScenarioOptions, lanes: readonly LaneId[], problems: string[]): LoadModel {
  const load: LoadModel = raw.load ?? SCENARIO_DEFAULTS.load;
  if (load.model === 'open' && !(load.ratePerSec > 0))
    problems.push(
      `\`load.ratePerSec\` must be a positive number of calls per second, got ${JSON.stringify(load.ratePerSec)}`,
    );
  if (load.model === 'closed' && !(Number.isInteger(load.concurrency) && load.concurrency >= 1))
    problems.push(`\`load.concurrency\` must be a whole number ≥ 1, got ${JSON.stringify(load.concurrency)}`);
  if (load.model === 'closed' && load.concurrency > 1)
    for (const id of lanes.filter((l) => l.isolation === 'inproc'))
      problems.push(
        `\`lanes\`: ${laneName(id)} runs on the harness's own thread, so \`load.concurrency\` must be 1` +
          ` (got ${load.concurrency}); use @worker or @process for more callers`,
      );
  // A deadline a lane cannot enforce is refused here, before any scenario runs (the lane checks again when open).
  if (raw.deadlineMs !== undefined)
    for (const id of lanes) {
      const { deadline } = laneKind(id).promises;
      if (!deadline.enforced)
        problems.push(`\`deadlineMs\`: lane \`${laneName(id)}\` cannot enforce one: ${deadline.why}`);
    }
  if (!['open', 'closed', 'ramp'].includes(load.model))
    problems.push(`\`load.model\` must be \`open\`, \`closed\` or \`ramp\`, got ${JSON.stringify(load.model)}`);
  return load;
}

function boundOf(raw: ScenarioOptions, problems: string[]): RunBound {
  if (raw.calls !== undefined) {
    if (!(Number.isInteger(raw.calls) && raw.calls > 0))
      problems.push(`\`calls\` must be a whole number > 0, got ${JSON.stringify(raw.calls)}`);
    return { calls: raw.calls };
  }
  if (raw.duration === undefined) return SCENARIO_DEFAULTS.bound;
  const durationMs = parseDurationMs(raw.duration);
  if (durationMs !== undefined) return { durationMs };
  problems.push(`\`duration\` must look like \`2s\` or \`500ms\`, got ${JSON.stringify(raw.duration)}`);
  return SCENARIO_DEFAULTS.bound;
}

function policyOf(raw: ScenarioOptions, problems: string[]): PolicyOverrides {
  if (raw.policy === undefined) return {};
  if (typeof raw.policy !== 'object' || raw.policy === null || Array.isArray(raw.policy)) {
    problems.push(`\`policy\` must be an object like \`{ memoryQuota: '1GiB' }\`, got ${JSON.stringify(raw.policy)}`);
    return {};
  }
  const resolved = resolvePolicy(raw.policy, (field) => `policy.${field}`);
  problems.push(...resolved.problems.map((p) => (p.startsWith('unknown field') ? `\`policy\`: ${p}` : p)));
  return resolved.overrides;
}
