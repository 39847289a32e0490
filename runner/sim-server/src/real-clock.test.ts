import { describe, expect, it } from 'vitest';
import { acceleratedClock } from './real-clock.ts';

describe('acceleratedClock', () => {
  it('fires a timer once its span of cluster time has passed on the clock, and in the order they fall due', async () => {
    const clock = acceleratedClock(50);
    const start = clock.now();
    const fired: { name: string; at: number }[] = [];
    await new Promise<void>((resolve) => {
      clock.setTimer(3000, () => {
        fired.push({ name: 'late', at: clock.now() });
        resolve();
      });
      clock.setTimer(1000, () => fired.push({ name: 'early', at: clock.now() }));
    });
    expect(fired.map((f) => f.name)).toEqual(['early', 'late']);
    expect(fired[0]!.at - start).toBeGreaterThanOrEqual(1000);
    expect(fired[1]!.at - start).toBeGreaterThanOrEqual(3000);
  });

  it('never fires a cancelled timer', async () => {
    const clock = acceleratedClock(100);
    let fired = false;
    const cancel = clock.setTimer(500, () => {
      fired = true;
    });
    cancel();
    await new Promise<void>((resolve) => clock.setTimer(1000, resolve));
    expect(fired).toBe(false);
  });

  it('refuses a speed below 1 or not a number', () => {
    for (const speed of [0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => acceleratedClock(speed)).toThrow(`failed to make a clock: speed ${speed} is not >= 1`);
    }
  });
});
