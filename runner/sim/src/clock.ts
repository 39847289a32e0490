/**
 * Time and identity are injected so tests pin them and the core stays pure.
 * The server adapter passes real ones; tests pass a {@link ManualClock}.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` of clock time; returns a cancel function. */
  setTimer(ms: number, fn: () => void, options?: TimerOptions): () => void;
}

/** What a timer is for, where a clock cares (most clocks ignore it). */
export interface TimerOptions {
  /**
   * Someone outside the cluster waits for this timer in real time: an exec's `sleep` with its client
   * on the other end, a client polling for a rollout. A clock that skips idle time (validate's
   * simulated clock) jumps ahead only while such a timer is pending, so a cluster nobody waits on does
   * not race through its CronJob schedules and restart back-offs.
   */
  awaited?: boolean;
}

/** Where a cluster's UIDs and random names come from, injected so tests get the same ones every run. */
export interface IdSource {
  /** A new UID (RFC 4122 form). */
  uid(): string;
  /** `n` lowercase alphanumeric characters, as generateName and ReplicaSet hashes use. */
  suffix(n: number): string;
  /** A bearer token. */
  token(): string;
}

/** A clock that moves only when told, firing due timers in order. */
export class ManualClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due, including ones they set. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = end;
  }
}

/** Deterministic ids for tests: a counter behind each kind of id. */
export class SequentialIds implements IdSource {
  private n = 0;
  uid(): string {
    const hex = (this.n++).toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${hex}`;
  }
  suffix(len: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let x = this.n++;
    let out = '';
    for (let i = 0; i < len; i++) {
      out += alphabet[x % alphabet.length];
      x = Math.floor(x / alphabet.length) + i * 7;
    }
    return out;
  }
  token(): string {
    return `test-token-${this.n++}`;
  }
}
