import { performance } from 'node:perf_hooks';
import { ApiError } from './errors.ts';

/**
 * What one session's API calls may hold of the runner at once, and how fast they may come:
 * the site makes a few calls per click, so these only bind a script, and they keep one
 * learner's script from stalling everyone else's calls (grading, applying, listing all run
 * on the runner's shared event loop before they reach the session's own cluster).
 */
export const SESSION_REQUEST_LIMITS = {
  /** Calls of one session being answered at once; one more is refused, not queued. */
  inFlight: 4,
  /** Gradings of one session at once: each runs probes across its cluster. */
  checksInFlight: 1,
  /** Calls per second one session may keep up, and the burst it may make at once. */
  perSecond: 20,
  burst: 40,
} as const;

/** Sessions tracked before idle ones are swept (ended sessions' entries go then). */
const SWEEP_AT = 256;

/** A call that grades (`check`) or any other call of a session's API. */
export type SessionCallKind = 'check' | 'call';

interface SessionState {
  inFlight: number;
  checks: number;
  tokens: number;
  refilledAt: number;
}

/**
 * Admits a session's API calls within {@link SESSION_REQUEST_LIMITS}, as the API server's
 * priority and fairness does for its clients: over a bound the call is refused at once
 * with 429 and `Retry-After`, never queued behind others.
 */
export class SessionRequestGate {
  private readonly sessions = new Map<string, SessionState>();

  constructor(
    private readonly limits: {
      inFlight: number;
      checksInFlight: number;
      perSecond: number;
      burst: number;
    } = SESSION_REQUEST_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Admits one call of an authorized session, or throws 429; the function it returns ends the call. */
  enter(sessionId: string, kind: SessionCallKind): () => void {
    const now = this.now();
    if (this.sessions.size >= SWEEP_AT) this.sweep();
    const s = this.sessions.get(sessionId) ?? { inFlight: 0, checks: 0, tokens: this.limits.burst, refilledAt: now };
    this.refill(s);
    if (kind === 'check' && s.checks >= this.limits.checksInFlight) {
      throw tooMany('this session is already being checked: wait for that result', 1);
    }
    if (s.inFlight >= this.limits.inFlight) throw tooMany('too many calls of this session at once', 1);
    if (s.tokens < 1) throw tooMany('too many calls of this session', (1 - s.tokens) / this.limits.perSecond);
    s.tokens -= 1;
    s.inFlight++;
    if (kind === 'check') s.checks++;
    this.sessions.set(sessionId, s);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      s.inFlight--;
      if (kind === 'check') s.checks--;
      // An idle session with a full bucket is what a new one would be: nothing to keep.
      if (s.inFlight === 0 && this.refill(s) >= this.limits.burst) this.sessions.delete(sessionId);
    };
  }

  /** Drops idle sessions whose bucket has refilled: they are what a new session would be. */
  private sweep(): void {
    for (const [id, s] of this.sessions)
      if (s.inFlight === 0 && this.refill(s) >= this.limits.burst) this.sessions.delete(id);
  }

  private refill(s: SessionState): number {
    const now = this.now();
    s.tokens = Math.min(this.limits.burst, s.tokens + ((now - s.refilledAt) / 1000) * this.limits.perSecond);
    s.refilledAt = now;
    return s.tokens;
  }

  /** Sessions with calls in flight or a bucket still refilling (for tests and health). */
  get tracked(): number {
    return this.sessions.size;
  }
}

const tooMany = (what: string, seconds: number) =>
  new ApiError(
    429,
    'TooManyRequests',
    `${what}: try again in ${Math.max(1, Math.ceil(seconds))} s`,
    {},
    Math.max(1, Math.ceil(seconds)),
  );
