import { describe, expect, it } from 'vitest';
import { SIMULATED_EPOCH, SimulatedClock } from './simulated-clock.ts';

const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SimulatedClock', () => {
  it('starts every clock at the same instant', () => {
    expect(new SimulatedClock().now()).toBe(SIMULATED_EPOCH);
    expect(new SimulatedClock().now()).toBe(new SimulatedClock().now());
  });

  it('stands still while nothing waits, however long: a pending timer does not fire and no time passes', async () => {
    const clock = new SimulatedClock();
    let fired = false;
    clock.setTimer(1000, () => {
      fired = true;
    });
    await realSleep(1000);
    expect(fired).toBe(false);
    expect(clock.now()).toBe(SIMULATED_EPOCH);
    expect(clock.stats()).toEqual({ skips: 0, elapsedMs: 0 });
    clock.stop();
  });

  it('runs due timers at once, without moving time, before it jumps anywhere', async () => {
    const clock = new SimulatedClock();
    const seen: string[] = [];
    clock.setTimer(5000, () => seen.push(`late at ${clock.now() - SIMULATED_EPOCH}`));
    // A chain of zero-delay work, as the controllers' drains are: all of it runs at the current instant.
    const chain = (n: number) => () => {
      seen.push(`work ${n} at ${clock.now() - SIMULATED_EPOCH}`);
      if (n < 3) clock.setTimer(0, chain(n + 1));
    };
    clock.setTimer(0, chain(1));
    await clock.sleep(5000);
    expect(seen).toEqual(['work 1 at 0', 'work 2 at 0', 'work 3 at 0', 'late at 5000']);
  });

  it('jumps to each next timer while something waits, running everything between in order at its own time', async () => {
    const clock = new SimulatedClock();
    const seen: [string, number][] = [];
    const at = (name: string) => () => seen.push([name, clock.now() - SIMULATED_EPOCH]);
    clock.setTimer(120_000, at('two minutes'));
    clock.setTimer(60_000, at('one minute'));
    clock.setTimer(60_000, at('one minute, set second'));
    clock.setTimer(3_600_000, at('an hour'));
    const started = performance.now();
    await clock.sleep(600_000);
    // Ten minutes of cluster time in far less than a second of real time; the hour is not reached.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(seen).toEqual([
      ['one minute', 60_000],
      ['one minute, set second', 60_000],
      ['two minutes', 120_000],
    ]);
    expect(clock.now() - SIMULATED_EPOCH).toBe(600_000);
    // Once the sleep is over nothing waits: the hour-long timer stays pending and time stands still.
    await realSleep(100);
    expect(clock.now() - SIMULATED_EPOCH).toBe(600_000);
    expect(clock.stats()).toEqual({ skips: 3, elapsedMs: 600_000 });
    clock.stop();
  });

  it('does not jump to a cancelled awaited timer', async () => {
    const clock = new SimulatedClock();
    let fired = false;
    const cancel = clock.setTimer(
      10_000,
      () => {
        fired = true;
      },
      { awaited: true },
    );
    cancel();
    await realSleep(100);
    expect(fired).toBe(false);
    expect(clock.now()).toBe(SIMULATED_EPOCH);
    clock.stop();
  });

  it('logs a timer that throws and goes on with the next', async () => {
    const clock = new SimulatedClock();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      clock.setTimer(10, () => {
        throw new Error('boom');
      });
      await clock.sleep(20);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
    expect(clock.now() - SIMULATED_EPOCH).toBe(20);
  });
});
