import { type CallFailure, UsageError } from '../../contract/errors.ts';
import { spawnChild, spawnWorker } from '../../isolations/endpoint.ts';
import { type LaneOptions } from '../../isolations/isolation.ts';
import { openRequestOf } from '../../isolations/open-request.ts';
import type { Reply, Request } from '../../isolations/protocol.ts';
import { SupervisedLane } from '../../isolations/supervised-lane.ts';
import { type LaneId, laneName } from '../../isolations/lane.ts';
import { laneKind } from '../../lanes/registry.ts';
import { COVERAGE_BOUNDARIES } from '../../coverage/coverage-instance.ts';
import { ExecSlot } from '../../coverage/exec-slot.ts';
import type { CoverageRequest, SliceResult } from '../../coverage/messages.ts';

/** Lanes the guided loop runs on: a deadline on every execution, a native crash kept in its process. */
export const GUIDED_LANES = ['wasm-core@worker', 'wasm-core@process', 'native@process'] as const;

/** What one exchange with the loop gave: a slice, a lost session, or the end of the worker or child. */
export type GuidedAnswer =
  | { type: 'slice'; result: SliceResult }
  | { type: 'no-session' }
  /** The execution in `input` hung (timeout) or took its process down (crash). */
  | { type: 'ended'; failure: CallFailure; input: Uint8Array };

type Begin = Omit<Extract<CoverageRequest, { type: 'coverage-begin' }>, 'id' | 'type'>;

/**
 * A coverage build served in a worker or child that runs the fuzz loop itself. Each execution
 * writes its input to a shared slot first; a watchdog reads the slot, so a call that outlives
 * its deadline is stopped (the worker or child killed and replaced) and named, and so is the
 * input a native crash died on.
 */
export class GuidedLane extends SupervisedLane {
  #slot: ExecSlot | undefined;

  static async openGuided(dir: string, id: LaneId, options: LaneOptions): Promise<GuidedLane> {
    if (!(GUIDED_LANES as readonly string[]).includes(laneName(id))) {
      const lanes = GUIDED_LANES.map((l) => `\`${l}\``).join(', ');
      const why = `coverage builds exist for ${COVERAGE_BOUNDARIES.join(' and ')}; each execution needs a deadline`;
      throw new UsageError(`guided fuzzing runs on ${lanes}, not \`${laneName(id)}\` (${why})`);
    }
    const isolation = id.isolation === 'worker' ? 'worker' : 'process';
    const slot = new ExecSlot(isolation);
    const request = {
      ...openRequestOf(dir, id, options, options.config ?? '{}', laneKind(id).engine.faults === 'signal'),
      coverage: { slot: slot.handle },
    };
    const spawn = isolation === 'worker' ? () => spawnWorker(options.workerHeapMb ?? 256) : spawnChild;
    try {
      const lane = (await GuidedLane.open(id, request, spawn, { enforced: true, by: 'kill' })) as GuidedLane;
      lane.#slot = slot;
      return lane;
    } catch (e) {
      slot.dispose();
      throw e;
    }
  }

  begin(begin: Begin, deadlineMs: number): Promise<GuidedAnswer> {
    return this.guarded((id) => ({ type: 'coverage-begin', id, ...begin }), deadlineMs);
  }

  slice(ms: number, deadlineMs: number): Promise<GuidedAnswer> {
    return this.guarded((id) => ({ type: 'coverage-slice', id, ms }), deadlineMs);
  }

  /** Indices of the inputs to keep: together they reach all that `inputs` reach. */
  async minimize(op: string, inputs: Uint8Array[]): Promise<number[]> {
    const request = (id: number): Request => ({ type: 'coverage-minimize', id, op, inputs });
    const reply = await this.exchange<Reply>(true, request, (r, finish) => finish(r));
    if (reply.type !== 'coverage-minimized')
      throw new Error(`harness bug: ${reply.type} answered a corpus minimisation`);
    return reply.kept;
  }

  /** One exchange with the loop, watched: a hung execution is stopped once it outlives `deadlineMs`. */
  private guarded(request: (id: number) => Request, deadlineMs: number): Promise<GuidedAnswer> {
    const slot = this.#slot!;
    return new Promise<GuidedAnswer>((resolve) => {
      let settled = false;
      const settle = (answer: GuidedAnswer) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        resolve(answer);
      };
      let lastExecs = -1;
      let sameSince = performance.now();
      const watchdog = setInterval(
        () => {
          const state = slot.read();
          if (!state.inCall || state.execs !== lastExecs) {
            lastExecs = state.execs;
            sameSince = performance.now();
            return;
          }
          const stuckMs = performance.now() - sameSince;
          if (stuckMs < deadlineMs) return;
          const message =
            `an execution outlived its deadline of ${deadlineMs} ms and was stopped after ` +
            `${stuckMs.toFixed(0)} ms`;
          settle({ type: 'ended', failure: { kind: 'timeout', message }, input: state.input });
          this.replace('timeout');
        },
        Math.max(5, Math.min(250, deadlineMs / 4)),
      );
      // Not queued: a hung exchange is abandoned here, and must not hold up the next one.
      void this.exchange<Reply>(false, request, (reply, finish) => finish(reply)).then((reply) => {
        if (reply.type === 'coverage-sliced') return settle({ type: 'slice', result: reply.result });
        if (reply.type === 'coverage-no-session') return settle({ type: 'no-session' });
        // The worker or child died mid-slice (a native crash): the slot still holds the input.
        if (reply.type === 'called' && !reply.outcome.ok) {
          return settle({ type: 'ended', failure: reply.outcome.failure, input: slot.read().input });
        }
        throw new Error(`harness bug: ${reply.type} answered the fuzz loop`);
      });
    });
  }

  override async close(): Promise<void> {
    await super.close();
    this.#slot?.dispose();
  }
}
