import { randomBytes, randomUUID } from 'node:crypto';
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
