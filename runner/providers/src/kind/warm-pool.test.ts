import { describe, expect, it } from 'vitest';
import { CapacityError, WarmPool } from './warm-pool.ts';

function deferredFactory() {
  let n = 0;
  const pending: Array<(v: string) => void> = [];
  const destroyed: string[] = [];
  return {
    destroyed,
    pending,
    create: () => new Promise<string>((resolve) => pending.push(() => resolve(`c${++n}`))),
    destroy: async (item: string) => {
      destroyed.push(item);
    },
    finishAll: async () => {
      for (const r of pending.splice(0)) r('');
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe('WarmPool', () => {
  it('keeps the configured number of clusters warming, then ready', async () => {
    const f = deferredFactory();
    const pool = new WarmPool({ size: 2, max: 5, create: f.create, destroy: f.destroy, onError: () => {} });
    pool.fill();
    expect(pool.stats()).toMatchObject({ warming: 2, ready: 0 });
    await f.finishAll();
    expect(pool.stats()).toMatchObject({ warming: 0, ready: 2 });
  });

  it('hands out a warm cluster and warms a replacement', async () => {
    const f = deferredFactory();
    const pool = new WarmPool({ size: 1, max: 5, create: f.create, destroy: f.destroy, onError: () => {} });
    pool.fill();
    await f.finishAll();
    const lease = await pool.acquire();
    expect(lease.warm).toBe(true);
    expect(pool.stats()).toMatchObject({ leased: 1, warming: 1, ready: 0 });
  });

  it('never hands a released cluster to a second learner', async () => {
    const f = deferredFactory();
    const pool = new WarmPool({ size: 1, max: 5, create: f.create, destroy: f.destroy, onError: () => {} });
    pool.fill();
    await f.finishAll();
    const first = await pool.acquire();
    await pool.release(first.item);
    expect(f.destroyed).toEqual([first.item]);
    await f.finishAll();
    const second = await pool.acquire();
    expect(second.item).not.toBe(first.item);
  });

  it('refuses a cluster past the maximum with a message that says what to do', async () => {
    const f = deferredFactory();
    const pool = new WarmPool({ size: 0, max: 1, create: f.create, destroy: f.destroy, onError: () => {} });
    const first = pool.acquire();
    await f.finishAll();
    await first;
    await expect(pool.acquire()).rejects.toThrow(CapacityError);
    await expect(pool.acquire()).rejects.toThrow(/limit of 1 concurrent clusters/);
  });

  it('counts warming clusters against the maximum', () => {
    const f = deferredFactory();
    const pool = new WarmPool({ size: 3, max: 2, create: f.create, destroy: f.destroy, onError: () => {} });
    pool.fill();
    expect(pool.stats().warming).toBe(2);
  });

  it('reports a failed warm-up and tries again on the next fill', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const pool = new WarmPool({
      size: 1,
      max: 2,
      create: async () => {
        if (fail) throw new Error('docker stopped');
        return 'ok';
      },
      destroy: async () => {},
      onError: (e) => errors.push(e),
    });
    pool.fill();
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    fail = false;
    pool.fill();
    await new Promise((r) => setTimeout(r, 0));
    expect(pool.stats().ready).toBe(1);
  });

  it('destroys ready clusters on close and waits for ones still warming, so nothing is left behind', async () => {
    const f = deferredFactory();
    const pool = new WarmPool({ size: 2, max: 4, create: f.create, destroy: f.destroy, onError: () => {} });
    pool.fill();
    f.pending.shift()?.('');
    await new Promise((r) => setTimeout(r, 0));
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toBe(false);
    await f.finishAll();
    await closing;
    expect(f.destroyed).toHaveLength(2);
    expect(pool.stats().ready).toBe(0);
  });
});
