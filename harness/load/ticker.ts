import type { Clock } from '../measure/clock.ts';
import type { LaneRecording } from '../measure/recording.ts';
import { type LoopHooks, TICK_EVERY_MS } from './model.ts';

/** When a load loop ticks: about every `tickEveryMs`, and every `tickEveryCalls` calls, if it has a `tick` hook. */
export class Ticker {
  readonly #hooks: LoopHooks;
  readonly #clock: Clock;
  readonly #recording: LaneRecording;
  readonly #everyNs: number;
  readonly #everyCalls: number;
  #nextNs: number;
  #nextCalls: number;

  constructor(hooks: LoopHooks, clock: Clock, recording: LaneRecording, t0Ns: number) {
    this.#hooks = hooks;
    this.#clock = clock;
    this.#recording = recording;
    this.#everyNs = (hooks.tickEveryMs ?? TICK_EVERY_MS) * 1e6;
    this.#everyCalls = hooks.tickEveryCalls ?? Number.POSITIVE_INFINITY;
    this.#nextNs = t0Ns + this.#everyNs;
    this.#nextCalls = this.#everyCalls;
  }

  /** Whether a tick is due at `nowNs`; checked without awaiting, so a sync caller pays no promise per call. */
  due(nowNs: number): boolean {
    return this.#hooks.tick !== undefined && (this.#recording.calls >= this.#nextCalls || nowNs >= this.#nextNs);
  }

  /** Whether a tick is due now, reading the clock only when the calls do not already say so. */
  dueNow(): boolean {
    if (this.#hooks.tick === undefined) return false;
    return this.#recording.calls >= this.#nextCalls || this.#clock.nowNs() >= this.#nextNs;
  }

  /** Ticks with the calls completed so far, and sets the next tick from now. */
  tick(): Promise<void> {
    this.#nextNs = this.#clock.nowNs() + this.#everyNs;
    this.#nextCalls = this.#recording.calls + this.#everyCalls;
    return this.#hooks.tick!(this.#recording.calls);
  }

  /** Ms until a tick by time is due at `nowNs` (0 when it is), capped at `capMs`; the cap without a `tick` hook. */
  msUntilDue(nowNs: number, capMs: number): number {
    const untilTickMs = this.#hooks.tick === undefined ? capMs : (this.#nextNs - nowNs) / 1e6;
    return Math.max(0, Math.min(capMs, untilTickMs));
  }

  /** Calls until a tick by calls is due, so a timed batch ends there; unbounded without a `tick` hook. */
  untilTick(): number {
    return this.#hooks.tick === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(1, this.#nextCalls - this.#recording.calls);
  }
}
