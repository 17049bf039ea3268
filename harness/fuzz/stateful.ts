import fc from 'fast-check';
import type { CallOutcome } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { Boundary, PluginInstance } from '../lanes/instance.ts';
import { openInstance } from '../lanes/open-instance.ts';
import { arbitraryFor } from './arbitraries.ts';

/** One instance per boundary, driven by the same sequence of commands. */
interface Real {
  instances: Array<{ boundary: Boundary; instance: PluginInstance }>;
  /** The first disagreement, with the step that showed it. */
  disagreement?: string;
}

const show = (o: CallOutcome) => (o.ok ? `ok ${Buffer.from(o.output.subarray(0, 12)).toString('hex')} (${o.output.length} B)` : `${o.failure.kind}${o.failure.kind === 'plugin' ? ` ${o.failure.code}` : ''}`);
const agree = (outcomes: CallOutcome[]) => outcomes.every((o) => show(o) === show(outcomes[0]!) && (!o.ok || !outcomes[0]!.ok || Buffer.compare(o.output, outcomes[0]!.output) === 0));

function step(real: Real, label: string, run: (instance: PluginInstance) => CallOutcome): void {
  if (real.disagreement) return;
  const outcomes = real.instances.map(({ instance }) => run(instance));
  if (!agree(outcomes)) real.disagreement = `${label}: ${real.instances.map(({ boundary }, i) => `${boundary} ${show(outcomes[i]!)}`).join('; ')}`;
}

class Init implements fc.AsyncCommand<object, Real> {
  constructor(readonly config: string) {}
  check = () => true;
  run = async (_: object, real: Real) => step(real, `init(${this.config})`, (i) => i.init(this.config));
  toString = () => `init(${this.config})`;
}

class Call implements fc.AsyncCommand<object, Real> {
  constructor(readonly op: string, readonly input: Uint8Array) {}
  check = () => true;
  run = async (_: object, real: Real) => step(real, `call(${this.op}, ${this.input.length} B)`, (i) => i.call(this.op, this.input));
  toString = () => `call(${this.op}, ${Buffer.from(this.input).toString('base64')})`;
}

class Shutdown implements fc.AsyncCommand<object, Real> {
  check = () => true;
  run = async (_: object, real: Real) => {
    for (const { instance } of real.instances) instance.shutdown();
  };
  toString = () => 'shutdown()';
}

/**
 * Sequences of init / call / shutdown on one instance per boundary, in the harness's thread:
 * every boundary must answer every step alike (the same bytes, or the same kind and code).
 * Returns the shrunk sequence that made them disagree, or undefined.
 */
export async function checkSequences(dir: string, manifest: Manifest, boundaries: readonly Boundary[], trusted: readonly TrustedKey[], options: { runs: number; seed: number; policy?: HostPolicy }): Promise<string | undefined> {
  const commands = [
    fc.constantFrom('{}', '{"mode":"strict"}', 'not json').map((c) => new Init(c)),
    ...manifest.ops.map((op) => arbitraryFor(op.input).map((input) => new Call(op.name, input))),
    fc.constant(new Shutdown()),
  ];
  let found: string | undefined;
  await fc.check(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (sequence) => {
      const real: Real = { instances: await Promise.all(boundaries.map(async (boundary) => ({ boundary, instance: await openInstance(dir, boundary, { trusted, ...(options.policy ? { policy: options.policy } : {}) }) }))) };
      try {
        await fc.asyncModelRun(() => ({ model: {}, real }), sequence);
      } finally {
        for (const { instance } of real.instances) instance.close();
      }
      if (real.disagreement) found = `${real.disagreement} after [${[...sequence].map(String).join(', ')}]`;
      return real.disagreement === undefined;
    }),
    { numRuns: options.runs, seed: options.seed },
  ).then((details) => {
    if (details.failed && details.counterexample) found = `${found ?? 'boundaries disagree'} (seed ${details.seed}, path ${details.counterexamplePath})`;
  });
  return found;
}
