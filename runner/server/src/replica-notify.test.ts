import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChangeChannel } from './replica-notify.ts';
import { startTestPostgres, type TestPostgres } from './testing/postgres-server.ts';

let pg: TestPostgres;
let url: string;
beforeAll(async () => {
  pg = await startTestPostgres();
  url = await pg.createDatabase('notify');
}, 60_000);
afterAll(() => pg?.stop(), 60_000);

const next = (seen: string[], n: number) =>
  new Promise<void>((resolve, reject) => {
    const until = Date.now() + 10_000;
    const poll = setInterval(() => {
      if (seen.length >= n) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() > until) {
        clearInterval(poll);
        reject(new Error(`only ${seen.length} of ${n} changes arrived`));
      }
    }, 10);
  });

describe('workshop changes between replicas', () => {
  it('reach every other replica through PostgreSQL, and not the one that made them', async () => {
    const heardByA: string[] = [];
    const heardByB: string[] = [];
    const a = await openChangeChannel(url, 'replica-a', (id) => heardByA.push(id));
    const b = await openChangeChannel(url, 'replica-b', (id) => heardByB.push(id));
    try {
      a.publish('ws1');
      await next(heardByB, 1);
      b.publish('ws2');
      await next(heardByA, 1);
      expect(heardByB).toEqual(['ws1']);
      expect(heardByA).toEqual(['ws2']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
