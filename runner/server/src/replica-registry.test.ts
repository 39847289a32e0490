import { describe, expect, it } from 'vitest';
import { ProgressStore } from './progress-store.ts';
import { LEASE_MS, ReplicaRegistry } from './replica-registry.ts';

/** Two replicas over one database (SQLite in memory here; the replica test runs it on PostgreSQL) under a pinned clock. */
async function pair() {
  let now = 1_000_000;
  const store = await ProgressStore.open(':memory:', () => now);
  const clock = () => now;
  const a = new ReplicaRegistry(store.sql, { id: 'a-1', address: '10.0.0.1:7420' }, clock);
  const b = new ReplicaRegistry(store.sql, { id: 'b-1', address: '10.0.0.2:7420' }, clock);
  await a.register();
  await b.register();
  const session = (id: string, expiresAt = now + 600_000) => ({
    sessionId: id,
    learnerId: 'l1',
    scenarioId: 's1',
    workshopId: null,
    createdAt: now,
    expiresAt,
  });
  return { a, b, store, session, advance: (ms: number) => (now += ms), now: () => now };
}

describe('the replica map', () => {
  it('finds the replica that holds a session, and forgets a session once released', async () => {
    const { a, b, session } = await pair();
    await a.claim(session('s-1'));
    expect(await b.locate('s-1')).toMatchObject({ state: 'live', replica: { id: 'a-1', address: '10.0.0.1:7420' } });
    await a.release('s-1');
    expect(await b.locate('s-1')).toEqual({ state: 'unknown' });
  });

  it('takes a replica whose lease ran out for dead, and its sessions for lost until they would have ended', async () => {
    const { a, b, session, advance } = await pair();
    await a.claim(session('s-1', 1_000_000 + LEASE_MS * 4));
    advance(LEASE_MS - 1);
    await b.heartbeat();
    expect((await b.locate('s-1')).state).toBe('live');
    advance(2);
    expect(await b.locate('s-1')).toEqual({ state: 'lost', replicaId: 'a-1' });
    // The dead replica stays in the table while its lost sessions are remembered, but not among the live ones.
    expect((await b.replicas()).map((r) => r.id)).toEqual(['b-1']);
    advance(LEASE_MS * 4);
    await b.heartbeat();
    expect(await b.locate('s-1')).toEqual({ state: 'unknown' });
    const left = await b.replicas();
    expect(left.map((r) => r.id)).toEqual(['b-1']);
  });

  it('sends new sessions to live replicas that are not draining, fewest sessions first', async () => {
    const { a, b, session, store, now } = await pair();
    const c = new ReplicaRegistry(store.sql, { id: 'c-1', address: '10.0.0.3:7420' }, now);
    await c.register();
    await b.claim(session('s-1'));
    expect((await a.takersOfNewSessions()).map((r) => r.id)).toEqual(['c-1', 'b-1']);
    await c.drain();
    expect((await a.takersOfNewSessions()).map((r) => r.id)).toEqual(['b-1']);
  });

  it('records which forwarding signature each replica checks: v2 for its own, v1 for a row of the previous release', async () => {
    const { a, b, store, now } = await pair();
    // A replica of the previous release writes its row without the column.
    await store.sql.run(
      'INSERT INTO runner_replicas (id, address, started_at, heartbeat_at, draining) VALUES (?, ?, ?, ?, 0)',
      ['old-1', '10.0.0.9:7420', now(), now()],
    );
    expect((await a.replicas()).map((r) => [r.id, r.signature])).toEqual([
      ['a-1', 'v2'],
      ['b-1', 'v2'],
      ['old-1', 'v1'],
    ]);
    // A replica of this release that registers under an id an older row holds takes the row as v2.
    const same = new ReplicaRegistry(store.sql, { id: 'old-1', address: '10.0.0.9:7420' }, now);
    await same.register();
    expect((await b.replicas()).find((r) => r.id === 'old-1')?.signature).toBe('v2');
  });

  it('leaves the map with its sessions when it stops', async () => {
    const { a, b, session } = await pair();
    await a.claim(session('s-1'));
    await a.deregister();
    expect(await b.locate('s-1')).toEqual({ state: 'unknown' });
    expect((await b.replicas()).map((r) => r.id)).toEqual(['b-1']);
  });

  it("counts a learner's and an address's sessions on every live replica when reserving a new one", async () => {
    const { a, b, advance } = await pair();
    const caps = { perLearner: 2, perAddress: 3 };
    const ask = (id: string, learnerId: string, address: string | null) => ({
      sessionId: id,
      learnerId,
      scenarioId: 's1',
      workshopId: null,
      address,
      createdAt: 0,
    });
    expect(await a.reserve(ask('s-1', 'l1', '10.9.0.1'), caps)).toEqual({ ok: true, evict: [] });
    advance(1);
    expect(await b.reserve(ask('s-2', 'l1', '10.9.0.1'), caps)).toEqual({ ok: true, evict: [] });
    advance(1);
    // The learner's third, on a: their oldest (held by a) leaves the map and is named to be ended.
    expect(await a.reserve(ask('s-3', 'l1', '10.9.0.1'), caps)).toEqual({
      ok: true,
      evict: [{ sessionId: 's-1', replicaId: 'a-1', address: '10.0.0.1:7420' }],
    });
    expect(await b.locate('s-1')).toEqual({ state: 'unknown' });
    // Two on b and a from that address now, plus another learner's: the address is full on every replica.
    expect(await b.reserve(ask('s-4', 'l2', '10.9.0.1'), caps)).toMatchObject({ ok: true });
    expect(await b.reserve(ask('s-5', 'l3', '10.9.0.1'), caps)).toEqual({ ok: false, fromAddress: 3 });
    expect(await b.locate('s-5')).toEqual({ state: 'unknown' });
    // A workshop member comes without an address and is not counted by it.
    expect(await a.reserve(ask('s-6', 'l3', null), caps)).toMatchObject({ ok: true });
    // Sessions of a dead replica no longer count.
    advance(LEASE_MS + 1);
    await a.heartbeat();
    expect(await a.reserve(ask('s-7', 'l4', '10.9.0.1'), caps)).toMatchObject({ ok: true });
  });

  it("finds a workshop learner's sessions on every live replica", async () => {
    const { a, b, session } = await pair();
    await a.claim({ ...session('s-1'), workshopId: 'w1' });
    await b.claim({ ...session('s-2'), workshopId: 'w1' });
    await b.claim({ ...session('s-3'), workshopId: 'w2' });
    const found = await a.sessionsOf('w1', 'l1');
    expect(found.map((f) => [f.sessionId, f.replica.address])).toEqual([
      ['s-1', '10.0.0.1:7420'],
      ['s-2', '10.0.0.2:7420'],
    ]);
  });
});
