import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressStore, type WorkshopRecord } from './progress-store.ts';
import { startTestPostgres, type TestPostgres } from './testing/postgres-server.ts';

/**
 * The store's whole suite, once on SQLite and once on a PostgreSQL server the suite
 * starts itself (initdb in a temp dir, a private port): the adapters must not differ.
 */
interface Adapter {
  name: string;
  setup(): Promise<void>;
  /** A new, empty database. */
  fresh(): Promise<string>;
  teardown(): void;
}

const adapters: (Adapter & { open(now: () => number): Promise<ProgressStore> })[] = ((): Adapter[] => {
  let dir = '';
  let n = 0;
  let pg: TestPostgres | undefined;
  return [
    {
      name: 'SQLite',
      async setup() {
        dir = mkdtempSync(join(tmpdir(), 'paranoid-store-'));
      },
      fresh: async () => join(dir, `store-${++n}.sqlite`),
      teardown: () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: 'PostgreSQL',
      async setup() {
        pg = await startTestPostgres();
      },
      fresh: () => pg!.createDatabase(`store_${++n}`),
      teardown: () => pg?.stop(),
    },
  ];
})().map((a) => ({ ...a, open: async (now: () => number) => ProgressStore.open(await a.fresh(), now) }));

const workshop = (over: Partial<WorkshopRecord> = {}): WorkshopRecord => ({
  id: 'ws1',
  joinCode: 'ABCD-EFGH',
  title: 'Friday lab',
  trackId: null,
  scenarioIds: ['missing-networkpolicy', 'exposed-dashboard'],
  seats: 2,
  startsAt: 0,
  endsAt: 10_000_000,
  sessionMinutes: 45,
  solutionsAllowed: false,
  stuckMinutes: 10,
  createdAt: 1,
  endedAt: null,
  broadcast: null,
  broadcastAt: null,
  ...over,
});

describe.each(adapters)('the progress store on $name', (adapter) => {
  let now = 1_000;
  const clock = () => now;
  beforeAll(() => adapter.setup(), 60_000);
  afterAll(() => adapter.teardown());

  it('creates a learner on first sight and keeps a display name', async () => {
    const store = await adapter.open(clock);
    const first = await store.learner('learner0001');
    expect(first).toEqual({ id: 'learner0001', displayName: null, createdAt: now });
    expect(await store.setDisplayName('learner0001', 'Ada')).toMatchObject({ displayName: 'Ada' });
    expect(await store.learner('learner0001')).toMatchObject({ displayName: 'Ada', createdAt: first.createdAt });
    await store.close();
  });

  it('records a completion only when every check passes, and keeps the first time it did', async () => {
    const store = await adapter.open(clock);
    now = 2_000;
    await store.recordStart('l1', 'missing-networkpolicy');
    now = 3_000;
    let p = await store.recordChecks('l1', 'missing-networkpolicy', [
      { id: 'a', passed: true },
      { id: 'b', passed: false },
    ]);
    expect(p).toMatchObject({ completedAt: null, startedAt: 2_000, checks: { a: true, b: false } });
    now = 4_000;
    p = await store.recordChecks('l1', 'missing-networkpolicy', [
      { id: 'a', passed: true },
      { id: 'b', passed: true },
    ]);
    expect(p.completedAt).toBe(4_000);
    now = 5_000;
    p = await store.recordChecks('l1', 'missing-networkpolicy', [{ id: 'a', passed: false }]);
    expect(p).toMatchObject({ completedAt: 4_000, updatedAt: 5_000 });
    await store.close();
  });

  it('records hints once each and the solution, and keeps them across a reopen', async () => {
    const store = await adapter.open(clock);
    await store.recordHint('l2', 's', 'check:a:0');
    await store.recordHint('l2', 's', 'check:a:0');
    await store.recordHint('l2', 's', 'step:x:1');
    await store.recordSolution('l2', 's');
    const all = await store.all('l2');
    expect(all).toEqual([
      expect.objectContaining({ hintsRevealed: ['check:a:0', 'step:x:1'], solutionRevealed: true }),
    ]);
    await store.close();
  });

  it('keeps a workshop’s progress apart from the self-paced one', async () => {
    const store = await adapter.open(clock);
    await store.createWorkshop(workshop());
    await store.recordChecks('l3', 'missing-networkpolicy', [{ id: 'a', passed: true }], { workshopId: 'ws1' });
    expect(await store.all('l3')).toEqual([]);
    expect(await store.all('l3', { workshopId: 'ws1' })).toHaveLength(1);
    const rows = await store.workshopProgress('ws1');
    expect(rows).toEqual([expect.objectContaining({ learnerId: 'l3', scenarioId: 'missing-networkpolicy' })]);
    expect(rows[0]!.completedAt).not.toBeNull();
    await store.close();
  });

  it('stores a workshop as the instructor chose it, finds it by code, ends it and keeps a broadcast', async () => {
    const store = await adapter.open(clock);
    const w = workshop({ id: 'ws2', joinCode: 'JKMN-PQRS', solutionsAllowed: true, stuckMinutes: 0.05 });
    await store.createWorkshop(w);
    expect(await store.workshop('ws2')).toEqual(w);
    expect(await store.workshopByCode('JKMN-PQRS')).toEqual(w);
    expect(await store.workshopByCode('JKMN-PQRT')).toBeUndefined();
    now = 7_000;
    expect(await store.setBroadcast('ws2', 'Break until 15:00')).toMatchObject({
      broadcast: 'Break until 15:00',
      broadcastAt: 7_000,
    });
    expect((await store.endWorkshop('ws2'))?.endedAt).toBe(7_000);
    now = 8_000;
    expect((await store.endWorkshop('ws2'))?.endedAt).toBe(7_000);
    expect((await store.workshops()).map((x) => x.id)).toEqual(['ws2']);
    await store.close();
  });

  it('refuses a second workshop with the same join code', async () => {
    const store = await adapter.open(clock);
    await store.createWorkshop(workshop({ id: 'a1' }));
    await expect(store.createWorkshop(workshop({ id: 'a2' }))).rejects.toThrow();
    await store.close();
  });

  it('fills seats exactly under a rush, and lets a member back in without a new seat', async () => {
    const store = await adapter.open(clock);
    await store.createWorkshop(workshop({ id: 'ws3', joinCode: 'RUSH-RUSH', seats: 3 }));
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.join('ws3', `rusher${i}`, `Learner ${i}`)),
    );
    expect(outcomes.filter((o) => o.outcome === 'joined')).toHaveLength(3);
    expect(outcomes.filter((o) => o.outcome === 'full')).toHaveLength(7);
    const seated = (await store.members('ws3')).map((m) => m.learnerId);
    expect(seated).toHaveLength(3);
    const again = await store.join('ws3', seated[0]!, 'New name');
    expect(again).toMatchObject({ outcome: 'rejoined', member: { displayName: 'New name' } });
    expect(await store.memberships(seated[0]!)).toEqual([expect.objectContaining({ workshopId: 'ws3' })]);
    await store.close();
  });

  it('migrates once: reopening applies nothing twice and keeps every row', async () => {
    const where = await adapter.fresh();
    const store = await ProgressStore.open(where, clock);
    await store.createWorkshop(workshop({ id: 'ws4', joinCode: 'KEEP-KEEP' }));
    await store.recordChecks('l4', 's', [{ id: 'a', passed: true }]);
    await store.close();
    const again = await ProgressStore.open(where, clock);
    expect((await again.workshops()).map((w) => w.id)).toEqual(['ws4']);
    expect(await again.all('l4')).toHaveLength(1);
    await again.close();
  });
});

describe('a SQLite file from before migrations', () => {
  it('is brought up to date in place, keeping its learners and progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-store-old-'));
    const file = join(dir, 'progress.sqlite');
    const { default: Database } = await import('better-sqlite3');
    const old = new Database(file);
    // The schema runners made before store-migrations.ts existed.
    old.exec(`
      CREATE TABLE learners (id TEXT PRIMARY KEY, display_name TEXT, created_at INTEGER NOT NULL);
      CREATE TABLE progress (learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE, scenario_id TEXT NOT NULL,
        checks TEXT NOT NULL DEFAULT '{}', hints TEXT NOT NULL DEFAULT '[]', solution_revealed INTEGER NOT NULL DEFAULT 0,
        completed_at INTEGER, updated_at INTEGER NOT NULL, PRIMARY KEY (learner_id, scenario_id));
      INSERT INTO learners VALUES ('old1', 'Grace', 5);
      INSERT INTO progress VALUES ('old1', 's', '{"a":true}', '[]', 0, 9, 9);
    `);
    old.close();
    const store = await ProgressStore.open(file);
    expect(await store.learner('old1')).toMatchObject({ displayName: 'Grace' });
    expect(await store.all('old1')).toEqual([expect.objectContaining({ completedAt: 9, startedAt: null })]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
