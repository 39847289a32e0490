import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock, IdSource } from '@paranoid/sim/clock.ts';

/**
 * Wall-clock time; timers never keep the process alive on their own, and a
 * timer that throws (a controller, the kubelet) is logged, never fatal: one
 * cluster's bug must not take down every cluster in the process.
 */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const run = () => {
      try {
        fn();
      } catch (error) {
        console.error('simulated cluster: a timer failed', error);
      }
    };
    const t = setTimeout(run, Math.max(0, ms));
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/**
 * Wall-clock time running `speed` times faster, from now on: timers fire after `ms / speed` of
 * real time and `now()` moves `speed` ms per real ms. For `paranoid validate`, whose checks judge
 * what a cluster does, not how long it took: a container's `sleep 2`, a kubelet's pull, a
 * readiness probe's delay and Falco's settle time cost a tenth of the wait at speed 10, in the
 * same order as on the real clock. Timers are unreferenced and guarded as {@link realClock}'s.
 */
export function acceleratedClock(speed: number): Clock {
  if (!(speed >= 1) || !Number.isFinite(speed)) throw new Error(`failed to make a clock: speed ${speed} is not >= 1`);
  const origin = Date.now();
  const base = performance.now();
  // Sub-millisecond real time: Date.now()'s whole milliseconds would move this clock in steps of `speed` ms.
  const now = () => Math.floor(origin + (performance.now() - base) * speed);
  return {
    now,
    setTimer(ms, fn) {
      const due = now() + Math.max(0, ms);
      // Node may run a timer up to a millisecond early, which is `speed` ms of cluster time:
      // one that wakes before its time is set again for what is left, so none fires early.
      const fire = () => {
        const left = due - now();
        if (left > 0) cancel = realClock.setTimer(left / speed, fire);
        else fn();
      };
      let cancel = realClock.setTimer(Math.max(0, ms) / speed, fire);
      return () => cancel();
    },
  };
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Random ids, as the apiserver makes them. */
export const randomIds: IdSource = {
  uid: () => randomUUID(),
  suffix(n) {
    const bytes = randomBytes(n);
    let out = '';
    for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
    return out;
  },
  token: () => randomBytes(32).toString('base64url'),
};
