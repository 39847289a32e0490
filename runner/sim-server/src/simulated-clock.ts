import type { Clock, TimerOptions } from '@paranoid/sim/clock.ts';

/** Where validate's simulated clusters start their clocks: every case's cluster sees the same instant. */
export const SIMULATED_EPOCH = Date.UTC(2026, 0, 1, 0, 0, 1);

/** How many timers one turn of the event loop runs before it lets I/O (requests, responses) in. */
const TIMERS_PER_TURN = 64;

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  awaited: boolean;
  done: boolean;
}

/** What a {@link SimulatedClock} did. */
export interface SimulatedClockStats {
  /** Times the clock jumped to its next timer because something was waiting for one. */
  skips: number;
  /** Cluster time passed since the clock started, in ms. */
  elapsedMs: number;
}

/**
 * A cluster's own clock as a discrete-event simulation runs one, for `paranoid validate`: it starts at
 * a fixed instant (so every run of a case sees a CronJob's schedule at the same phase) and time moves
 * only by jumps to the next timer. Timers that are due run at once, in order; when none is due and an
 * {@link TimerOptions.awaited} timer is pending (an exec's `sleep`, a client polling for a rollout, the
 * grader waiting for Falco), the clock jumps to its next timer, whatever that is, so everything between
 * happens in order and nothing waits in real time. With no awaited timer, time stands still: the clock
 * never races through schedules and back-offs that nobody is waiting on, and what a client does over the
 * network (kubectl, TLS, exec) takes no cluster time, so its result does not depend on how loaded the
 * machine is. There is deliberately no fallback to real time (an earlier one, moving on after half a second
 * of real idleness, fired whenever a loaded machine kept a client waiting for the CPU, and a CronJob ran in
 * one run of a case and not the other): a wait on a timer nobody marked as awaited stands still until the
 * client's own real-time limit (an exec's timeout) ends it, a failure that says where, never a flaky verdict.
 *
 * Timer callbacks that throw are logged, never fatal, as with the real clock.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private readonly start: number;
  /** Pending timers, sorted by time and then by the order they were set. */
  private timers: Timer[] = [];
  private seq = 0;
  private awaitedPending = 0;
  private turnScheduled = false;
  private stopped = false;
  private skips = 0;

  constructor(start = SIMULATED_EPOCH) {
    this.current = start;
    this.start = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void, options?: TimerOptions): () => void {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : Number.MAX_SAFE_INTEGER;
    const timer: Timer = { at: this.current + delay, seq: this.seq++, fn, awaited: !!options?.awaited, done: false };
    this.insert(timer);
    if (timer.awaited) this.awaitedPending++;
    this.scheduleTurn();
    return () => this.finish(timer);
  }

  /** A promise that resolves after `ms` of cluster time, awaited: the clock skips ahead to it when idle. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve, { awaited: true }));
  }

  /** Stops the clock: no timer runs any more. */
  stop(): void {
    this.stopped = true;
    this.timers = [];
    this.awaitedPending = 0;
  }

  /** What the clock has done since it started. */
  stats(): SimulatedClockStats {
    return { skips: this.skips, elapsedMs: this.current - this.start };
  }

  private insert(timer: Timer): void {
    // Binary search for the first timer due later: equal times keep the order they were set in.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid]!.at <= timer.at) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }

  private finish(timer: Timer): void {
    if (timer.done) return;
    timer.done = true;
    if (timer.awaited) this.awaitedPending--;
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || this.stopped) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.turn();
    });
  }

  /** Runs what is due; when nothing is and something waits, jumps to the next timer. One batch per turn. */
  private turn(): void {
    if (this.stopped) return;
    let ran = 0;
    while (ran < TIMERS_PER_TURN) {
      const next = this.timers[0];
      if (!next) break;
      if (next.at > this.current) {
        // Nothing due. Jump only when someone waits, and only once per turn, so that a request that came
        // in meanwhile is served at the time it came, before the clock moves on.
        if (ran > 0 || this.awaitedPending === 0) break;
        this.current = next.at;
        this.skips++;
      }
      this.finish(next);
      ran++;
      try {
        next.fn();
      } catch (error) {
        console.error('simulated cluster: a timer failed', error);
      }
    }
    const first = this.timers[0];
    if (first && (first.at <= this.current || this.awaitedPending > 0)) this.scheduleTurn();
  }
}
