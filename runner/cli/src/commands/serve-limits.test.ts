import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServeLab } from './serve.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'paranoid-serve-limits-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('serve --max-sessions and --session-ttl (the chart passes them per replica)', () => {
  it('refuses the session past the cap and gives each the TTL asked for', async () => {
    const lab = await createServeLab({
      provider: 'sim',
      database: ':memory:',
      dataDir,
      maxSessions: '2',
      sessionTtl: '5',
    });
    try {
      const { url } = await lab.listen(0, '127.0.0.1');
      const start = () =>
        fetch(`${url}/api/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: url },
          body: JSON.stringify({ scenarioId: 'capabilities-and-seccomp' }),
        });
      const first = await start();
      expect(first.status).toBe(201);
      expect(((await first.json()) as { session: { secondsLeft: number } }).session.secondsLeft).toBe(300);
      expect((await start()).status).toBe(201);
      const third = await start();
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await third.json()).toEqual({
        error: { code: 'TooManySessions', message: 'the lab is full right now (2 sessions): try again in 5 minute(s)' },
      });
    } finally {
      await lab.close();
    }
  }, 30_000);

  it('says what is wrong with a cap or TTL that is not a whole number in range', async () => {
    await expect(createServeLab({ provider: 'sim', database: ':memory:', dataDir, maxSessions: '0' })).rejects.toThrow(
      'invalid --max-sessions "0": expected a whole number from 1 to 10000',
    );
    await expect(createServeLab({ provider: 'sim', database: ':memory:', dataDir, sessionTtl: '5m' })).rejects.toThrow(
      'invalid --session-ttl "5m": expected a whole number from 1 to 1440',
    );
  });
});
