import { describe, expect, it } from 'vitest';
import { createFairQueue } from './fair-queue.ts';

describe('the fair queue', () => {
  it('gives each cluster its turn: a flood from one does not go ahead of another’s one request', async () => {
    const queue = createFairQueue();
    const order: string[] = [];
    const flood = Array.from({ length: 20 }, (_, i) => queue.run('hostile', () => order.push(`hostile-${i}`)));
    const calm = queue.run('calm', () => order.push('calm'));
    await Promise.all([...flood, calm]);
    expect(order.indexOf('calm')).toBe(1);
    expect(order.filter((o) => o.startsWith('hostile'))).toEqual(Array.from({ length: 20 }, (_, i) => `hostile-${i}`));
  });

  it('passes results and errors back to each caller', async () => {
    const queue = createFairQueue();
    await expect(queue.run('a', () => 42)).resolves.toBe(42);
    await expect(
      queue.run('a', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(queue.waiting).toBe(0);
  });
});

describe('the CPU share', () => {
  it('makes a cluster past its share wait, while another runs at once', async () => {
    let clock = 0;
    const queue = createFairQueue({ share: 0.25, burstMs: 100, now: () => clock });
    const order: string[] = [];
    // 200 ms of work: twice the burst.
    await queue.run('hostile', () => {
      clock += 200;
      order.push('hostile-1');
    });
    const second = queue.run('hostile', () => order.push('hostile-2'));
    const calm = queue.run('calm', () => order.push('calm'));
    await calm;
    expect(order).toEqual(['hostile-1', 'calm']);
    // The hostile cluster owes 100 ms of work: at a quarter share, 400 ms of time.
    clock += 400;
    await second;
    expect(order).toEqual(['hostile-1', 'calm', 'hostile-2']);
  });
});
