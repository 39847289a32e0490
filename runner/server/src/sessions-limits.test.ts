import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateClusterOptions } from '@paranoid/providers/provider.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp, LEARNER_COOKIE } from './app.ts';
import { ProgressStore } from './progress-store.ts';
import { SessionManager, type SessionManagerOptions } from './sessions.ts';
import { FakeCatalog, FakeGrader, FakeProvider } from './testing/fakes.ts';

/** Clusters that take a while to make, as real ones do: the window a racy cap falls into. */
class SlowProvider extends FakeProvider {
  override async create(options: CreateClusterOptions) {
    await new Promise((r) => setTimeout(r, 30));
    return super.create(options);
  }
}

let dir: string;
let store: ProgressStore;
let sessions: SessionManager;
let app: App;

function build(options: Partial<SessionManagerOptions> = {}) {
  sessions = new SessionManager({
    provider: new SlowProvider(),
    workDir: join(dir, 'work'),
    terminals: { kind: 'off', reason: 'tests' },
    ...options,
  });
  app = createApp({
    sessions,
    catalog: new FakeCatalog(),
    grader: new FakeGrader(),
    store,
    provider: { name: 'sim', realNetwork: false, warnings: [] },
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-limits-'));
  store = await ProgressStore.open(join(dir, 'data', 'progress.sqlite'));
});

afterEach(async () => {
  await sessions?.shutdown();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POST /api/sessions from `address`, with a cookie of its own or none at all. */
const startFrom = (address: string, cookie?: string) =>
  app.request(
    '/api/sessions',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(cookie ? { cookie: `${LEARNER_COOKIE}=${cookie}` } : {}),
      },
      body: JSON.stringify({ scenarioId: 'missing-networkpolicy' }),
    },
    { address },
  );

describe('session creation limits', () => {
  it('reserves each slot before the cluster is made: 60 at once against a cap of 8 make exactly 8', async () => {
    build({ maxSessions: 8, maxSessionsPerAddress: 1000, createsPerMinute: { perAddress: 1000, perLearner: 1000 } });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => startFrom(`10.0.0.${i}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(8);
    expect(statuses.filter((s) => s === 503)).toHaveLength(52);
    expect(sessions.size).toBe(8);
    const full = answers.find((r) => r.status === 503)!;
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await full.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'TooManySessions',
      message: expect.stringMatching(/the lab is full right now \(8 sessions\): try again in \d+ minute/),
    });
  });

  it('holds one address to its cap even when it drops its cookie', async () => {
    build({ maxSessionsPerAddress: 4, createsPerMinute: { perAddress: 1000, perLearner: 1000 } });
    const answers = await Promise.all(Array.from({ length: 12 }, () => startFrom('192.0.2.7')));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(4);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('60');
    // Another address is not affected.
    expect((await startFrom('192.0.2.8')).status).toBe(201);
  });

  it("lets a workshop's room behind one address start a session each: its seats bound it, not the address", async () => {
    build({ maxSessionsPerAddress: 4, createsPerMinute: { perAddress: 5, perLearner: 2 } });
    const seated = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sessions.create({ learnerId: `member${String(i).padStart(10, '0')}`, address: '203.0.113.9' }, 'lab', {
          workshopId: 'wsroom',
        }),
      ),
    );
    expect(seated).toHaveLength(20);
    // Self-paced learners at that address still have the address's whole allowance.
    const answers = await Promise.all(Array.from({ length: 6 }, () => startFrom('203.0.113.9')));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(4);
  });

  it('rate-limits creations per address and per cookie, saying when to come back', async () => {
    build({ createsPerMinute: { perAddress: 5, perLearner: 2 } });
    expect((await startFrom('198.51.100.1', 'learner0000000001')).status).toBe(201);
    expect((await startFrom('198.51.100.1', 'learner0000000001')).status).toBe(201);
    const third = await startFrom('198.51.100.2', 'learner0000000001');
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(50);
    for (let i = 0; i < 3; i++) expect((await startFrom('198.51.100.1')).status).toBe(201);
    const sixth = await startFrom('198.51.100.1');
    expect(sixth.status).toBe(429);
    expect(((await sixth.json()) as { error: { message: string } }).error.message).toMatch(
      /too many sessions started in the last minute: try again in \d+ s/,
    );
  });

  it('tells a page from before a restart that the lab restarted and its progress is safe', async () => {
    build();
    const before = (await (await startFrom('203.0.113.1')).json()) as { session: { id: string }; token: string };
    build(); // a new runner: a new SessionManager, the same progress database
    const res = await app.request(`/api/sessions/${before.session.id}`, {
      headers: { authorization: `Bearer ${before.token}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'SessionExpired',
      message:
        'the lab restarted, so this session and its cluster are gone; your progress is safe: start the scenario again',
    });
  });
});

describe('the progress database', () => {
  it('is readable by its owner only', () => {
    expect(statSync(join(dir, 'data', 'progress.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('writes no learner row for a visitor who only looks', async () => {
    build();
    const res = await app.request('/api/me');
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { learner: { id: string } }).learner.id;
    await app.request('/api/progress', { headers: { cookie: `${LEARNER_COOKIE}=${id}` } });
    const db = (store as unknown as { db: { all(sql: string): Promise<{ n: number }[]> } }).db;
    const learners = async () => Number((await db.all('SELECT count(*) AS n FROM learners'))[0]!.n);
    expect(await learners()).toBe(0);
    expect((await startFrom('203.0.113.9', id)).status).toBe(201);
    expect(await learners()).toBe(1);
  });
});
