import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { SessionRequestGate } from './session-request-gate.ts';

const limits = { inFlight: 2, checksInFlight: 1, perSecond: 10, burst: 3 };

function refusal(call: () => unknown): ApiError {
  try {
    call();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the call was admitted');
}

describe("a session's API calls", () => {
  it('are refused with 429 and Retry-After past the calls one session may have in flight, and admitted again as they end', () => {
    const gate = new SessionRequestGate(limits, () => 0);
    const first = gate.enter('a', 'call');
    gate.enter('a', 'call');
    const refused = refusal(() => gate.enter('a', 'call'));
    expect(refused.status).toBe(429);
    expect(refused.code).toBe('TooManyRequests');
    expect(refused.message).toBe('too many calls of this session at once: try again in 1 s');
    expect(refused.retryAfterSeconds).toBe(1);
    // Another session is not touched by this one's calls.
    gate.enter('b', 'call');
    first();
    first(); // ending twice ends once
    expect(() => gate.enter('a', 'call')).not.toThrow();
  });

  it('grade one at a time per session', () => {
    const gate = new SessionRequestGate(limits, () => 0);
    const check = gate.enter('a', 'check');
    expect(refusal(() => gate.enter('a', 'check')).message).toBe(
      'this session is already being checked: wait for that result: try again in 1 s',
    );
    check();
    expect(() => gate.enter('a', 'check')).not.toThrow();
  });

  it('keep a rate: a burst, then as many per second as the limit refills', () => {
    let now = 0;
    const gate = new SessionRequestGate(limits, () => now);
    for (let i = 0; i < 3; i++) gate.enter('a', 'call')();
    const refused = refusal(() => gate.enter('a', 'call'));
    expect(refused.message).toBe('too many calls of this session: try again in 1 s');
    now += 100; // one call's worth at 10 per second
    expect(() => gate.enter('a', 'call')()).not.toThrow();
    expect(refusal(() => gate.enter('a', 'call')).status).toBe(429);
  });

  it('forget a session once it is idle and its bucket is full again', () => {
    let now = 0;
    const gate = new SessionRequestGate(limits, () => now);
    const end = gate.enter('a', 'call');
    gate.enter('b', 'call')();
    expect(gate.tracked).toBe(2);
    now += 1000;
    end();
    expect(gate.tracked).toBe(1);
  });
});
