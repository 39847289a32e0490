/**
 * Three real `paranoid serve` processes sharing one real PostgreSQL (started here, on a
 * private port and socket dir), behind one round-robin entry point that knows nothing of
 * sessions: a session made through any of them is usable through every one (API, terminal
 * WebSocket, server-sent events, grading); a replica killed with SIGKILL costs only its own
 * learners their cluster ("the lab restarted", progress kept); SIGTERM drains a replica.
 */
import { createHmac } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ReplicaSet, startReplicaSet } from '@paranoid/cli/testing/replica-set.ts';
import { INSTRUCTOR_TOKEN_FILE, rotateInstructorToken } from '@paranoid/server/instructor-token.ts';
import { bodyDigest, ReplicaAuth } from '@paranoid/server/replica-auth.ts';
import { PostgresDriver } from '@paranoid/server/store-postgres.ts';
import { startTestPostgres, type TestPostgres } from '@paranoid/server/testing/postgres-server.ts';
import { type RoundRobinProxy, startRoundRobinProxy } from '@paranoid/server/testing/round-robin-proxy.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTerminal } from '../support/sandbox-terminal.ts';

const SCENARIO = 'missing-networkpolicy';
const SOLUTION = readFileSync(
  fileURLToPath(new URL(`../../scenarios/${SCENARIO}/solution/networkpolicies.yaml`, import.meta.url)),
  'utf8',
);

let postgres: TestPostgres;
let db: PostgresDriver;
let set: ReplicaSet;
let entry: RoundRobinProxy;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** One request on a connection of its own, so the entry point's round robin really moves. */
function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; learner?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent: false,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.learner ? { cookie: `paranoid_learner=${options.learner}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {}, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startSession(base: string, learner: string): Promise<{ id: string; token: string }> {
  const res = await call(base, 'POST', '/api/sessions', { learner, body: { scenarioId: SCENARIO } });
  if (res.status !== 201) throw new Error(`failed to start a session: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: (res.body.session as { id: string }).id, token: res.body.token as string };
}

async function ownerOf(sessionId: string): Promise<string> {
  const [row] = await db.all<{ replica_id: string }>('SELECT replica_id FROM live_sessions WHERE id = ?', [sessionId]);
  return row?.replica_id ?? '';
}

/** The runner of the replica set whose map id starts with its name. */
const runnerOf = (replicaId: string) => set.runners.find((r) => replicaId.startsWith(`${r.name}-`))!;

/** The first event of a server-sent event stream, then the stream is closed. */
function firstEvent(base: string, path: string, token: string): Promise<{ status: number; data: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        agent: false,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
          const event = /^data: (.*)$/m.exec(text);
          if (event) {
            resolve({ status: res.statusCode ?? 0, data: event[1]! });
            req.destroy();
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, data: text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  postgres = await startTestPostgres();
  const url = await postgres.createDatabase('replicas');
  db = new PostgresDriver(url, { max: 2 });
  set = await startReplicaSet({
    count: 3,
    database: url,
    // Six per address, counted across the three (every test here comes from 127.0.0.1 and ends what it starts).
    args: ['--session-ttl=10', '--drain-timeout=60', '--max-sessions-per-address=6', '--starts-per-minute=100'],
    env: { PARANOID_SIM_WORKERS: '1' },
  });
  entry = await startRoundRobinProxy(set.runners.map((r) => `127.0.0.1:${r.port}`));
}, 240_000);

afterAll(async () => {
  await entry?.close();
  await set?.stop();
  await db?.close();
  postgres?.stop();
}, 60_000);

describe('three runner replicas behind one entry point', () => {
  it('keeps the map of replicas and their sessions in PostgreSQL', async () => {
    const rows = await db.all<{ id: string; address: string }>('SELECT id, address FROM runner_replicas ORDER BY id');
    expect(rows.map((r: { id: string }) => r.id.replace(/-[0-9a-f]{8}$/, ''))).toEqual([
      'replica-a',
      'replica-b',
      'replica-c',
    ]);
    expect(rows.map((r: { address: string }) => r.address)).toEqual(set.runners.map((r) => `127.0.0.1:${r.port}`));
  });

  it('serves a session made through one replica through the other two: API, grading, map stream and terminal', async () => {
    const { id, token } = await startSession(entry.url, 'learnerreplicas01');
    const owner = runnerOf(await ownerOf(id));
    const others = set.runners.filter((r) => r !== owner);
    expect(others).toHaveLength(2);
    const [b, c] = others as [(typeof others)[0], (typeof others)[0]];

    const viaB = await call(b.url, 'GET', `/api/sessions/${id}`, { token });
    expect(viaB.status).toBe(200);
    expect((viaB.body.session as { id: string }).id).toBe(id);

    const before = await call(c.url, 'POST', `/api/sessions/${id}/check`, { token, learner: 'learnerreplicas01' });
    expect(before.status).toBe(200);
    expect(before.body.passed).toBe(false);
    const applied = await call(b.url, 'POST', `/api/sessions/${id}/apply`, { token, body: { yaml: SOLUTION } });
    expect(applied.status).toBe(200);
    const after = await call(c.url, 'POST', `/api/sessions/${id}/check`, { token, learner: 'learnerreplicas01' });
    expect(after.body.passed).toBe(true);
    // Progress is the database's: any replica reads it.
    const progress = await call(b.url, 'GET', '/api/progress', { learner: 'learnerreplicas01' });
    expect(progress.body.progress).toEqual([
      expect.objectContaining({ scenarioId: SCENARIO, completedAt: expect.any(Number) }),
    ]);

    const stream = await firstEvent(c.url, `/api/sessions/${id}/map/stream`, token);
    expect(stream.status).toBe(200);
    expect(JSON.parse(stream.data)).toHaveProperty('nodes');

    for (const via of [b, c]) {
      const terminal = await connectTerminal(via.url, id, token);
      try {
        const printed = await terminal.run('kubectl get networkpolicy -n shop -o name');
        expect(printed).toContain('networkpolicy.networking.k8s.io/default-deny');
      } finally {
        terminal.close();
      }
    }

    // A wrong token through a non-owner is refused by the owner, as on one runner.
    const wrong = await call(b.url, 'GET', `/api/sessions/${id}`, { token: 'x'.repeat(43) });
    expect(wrong.status).toBe(404);
    expect((wrong.body.error as { code: string }).code).toBe('SessionExpired');
    expect((await call(entry.url, 'DELETE', `/api/sessions/${id}`, { token })).status).toBe(204);
    // The owner leaves the map just after answering (its write is not on the learner's path).
    let left = await ownerOf(id);
    for (let i = 0; i < 50 && left !== ''; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await ownerOf(id);
    }
    expect(left).toBe('');
  });

  it('answers through the entry point whichever replica a connection lands on', async () => {
    const { id, token } = await startSession(entry.url, 'learnerreplicas03');
    const before = entry.counts();
    for (let i = 0; i < 6; i++) {
      expect((await call(entry.url, 'GET', `/api/sessions/${id}`, { token })).status).toBe(200);
    }
    const after = entry.counts();
    // Each replica took two of the six: two of them forwarded to the owner.
    expect(Object.keys(after).map((k) => (after[k] ?? 0) - (before[k] ?? 0))).toEqual([2, 2, 2]);
    await call(entry.url, 'DELETE', `/api/sessions/${id}`, { token });
  });

  it('refuses a request that claims to come from a replica without the secret', async () => {
    const { id, token } = await startSession(entry.url, 'learnerreplicas02');
    const owner = runnerOf(await ownerOf(id));
    const forged = await call(owner.url, 'GET', `/api/sessions/${id}`, {
      token,
      headers: { 'x-paranoid-replica': `v2.replica-a-00000000.${Date.now()}.AAAA`, 'x-paranoid-client': '10.0.0.9' },
    });
    expect(forged.status).toBe(403);
    expect((forged.body.error as { message: string }).message).toContain("the runner's replicas only");
    // Signed with another secret: the same.
    const other = new ReplicaAuth('y'.repeat(43)).sign('replica-a-00000000', {
      method: 'GET',
      path: `/api/sessions/${id}`,
      clientAddress: '10.0.0.9',
      bodyDigest: bodyDigest(),
    });
    expect((await call(owner.url, 'GET', `/api/sessions/${id}`, { token, headers: other })).status).toBe(403);
    // Signed with the real secret, it is a replica's (the owner answers).
    const real = new ReplicaAuth(set.secret).sign('replica-a-00000000', {
      method: 'GET',
      path: `/api/sessions/${id}`,
      clientAddress: '10.0.0.9',
      bodyDigest: bodyDigest(),
    });
    expect((await call(owner.url, 'GET', `/api/sessions/${id}`, { token, headers: real })).status).toBe(200);

    // The signature covers the body: the same signed header with another body is refused, and nothing is applied.
    const signedBody = { yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: signed\n  namespace: shop\n' };
    const tamperedBody = { yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tampered\n  namespace: shop\n' };
    const applyPath = `/api/sessions/${id}/apply`;
    const signedApply = new ReplicaAuth(set.secret).sign('replica-a-00000000', {
      method: 'POST',
      path: applyPath,
      clientAddress: '10.0.0.9',
      bodyDigest: bodyDigest(Buffer.from(JSON.stringify(signedBody))),
    });
    const tampered = await call(owner.url, 'POST', applyPath, { token, headers: signedApply, body: tamperedBody });
    expect(tampered.status).toBe(403);
    expect((tampered.body.error as { message: string }).message).toContain("the runner's replicas only");
    const honest = await call(owner.url, 'POST', applyPath, { token, headers: signedApply, body: signedBody });
    expect(honest.status, JSON.stringify(honest.body)).toBe(200);
    expect(honest.body.results).toEqual([expect.objectContaining({ name: 'signed', action: 'created' })]);
    // The refused body was never applied: applying it now creates it.
    const later = await call(owner.url, 'POST', applyPath, { token, body: tamperedBody });
    expect(later.body.results).toEqual([expect.objectContaining({ name: 'tampered', action: 'created' })]);
    await call(owner.url, 'DELETE', `/api/sessions/${id}`, { token });
  });

  it("ends a workshop's sessions on every replica when the instructor ends it on one", async () => {
    const [a, b] = set.runners as [ReplicaSet['runners'][0], ReplicaSet['runners'][0]];
    // One instructor token for all replicas, as the chart's Secret gives them.
    const { token: instructor } = rotateInstructorToken(a.dataDir);
    for (const r of set.runners.slice(1)) {
      copyFileSync(join(a.dataDir, INSTRUCTOR_TOKEN_FILE), join(r.dataDir, INSTRUCTOR_TOKEN_FILE));
    }
    const created = await call(a.url, 'POST', '/api/workshops', {
      headers: { authorization: `Bearer ${instructor}` },
      body: { title: 'Replicas', scenarioIds: [SCENARIO], seats: 5 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const w = created.body.workshop as { id: string; joinCode: string };
    const joined = await call(entry.url, 'POST', '/api/join', {
      learner: 'learnerworkshop1',
      body: { code: w.joinCode, displayName: 'Ada' },
    });
    expect(joined.status).toBe(200);
    const s = await startSession(b.url, 'learnerworkshop1');
    expect(runnerOf(await ownerOf(s.id))).toBe(b);
    const [row] = await db.all<{ workshop_id: string }>('SELECT workshop_id FROM live_sessions WHERE id = ?', [s.id]);
    expect(row?.workshop_id).toBe(w.id);

    // The instructor's extend and reset, sent to a, reach the session b holds.
    const [before] = await db.all<{ expires_at: string }>('SELECT expires_at FROM live_sessions WHERE id = ?', [s.id]);
    const extended = await call(a.url, 'POST', `/api/workshops/${w.id}/learners/learnerworkshop1/extend`, {
      headers: { authorization: `Bearer ${instructor}` },
    });
    expect(extended.status, JSON.stringify(extended.body)).toBe(200);
    expect(extended.body.sessions).toEqual([expect.objectContaining({ id: s.id })]);
    const [after] = await db.all<{ expires_at: string }>('SELECT expires_at FROM live_sessions WHERE id = ?', [s.id]);
    expect(Number(after!.expires_at)).toBeGreaterThan(Number(before!.expires_at));
    const own = await call(b.url, 'GET', `/api/sessions/${s.id}`, { token: s.token });
    expect((own.body.session as { expiresAt: number }).expiresAt).toBe(
      (extended.body.sessions as { expiresAt: number }[])[0]!.expiresAt,
    );
    // Reset: the learner's change is gone from the cluster b holds.
    const marker = { yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before-reset\n  namespace: shop\n' };
    const applied = await call(b.url, 'POST', `/api/sessions/${s.id}/apply`, { token: s.token, body: marker });
    expect(applied.body.results).toEqual([expect.objectContaining({ action: 'created' })]);
    const reset = await call(a.url, 'POST', `/api/workshops/${w.id}/learners/learnerworkshop1/reset`, {
      headers: { authorization: `Bearer ${instructor}` },
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body.sessions).toEqual([expect.objectContaining({ id: s.id })]);
    const again = await call(b.url, 'POST', `/api/sessions/${s.id}/apply`, { token: s.token, body: marker });
    expect(again.body.results).toEqual([expect.objectContaining({ action: 'created' })]);

    const ended = await call(a.url, 'POST', `/api/workshops/${w.id}/end`, {
      headers: { authorization: `Bearer ${instructor}` },
    });
    expect(ended.status).toBe(200);
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      status = (await call(entry.url, 'GET', `/api/sessions/${s.id}`, { token: s.token })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(404);
    expect(await ownerOf(s.id)).toBe('');
  });

  it("ends a learner's oldest session on whichever replica holds it once they are over their cap", async () => {
    const [a, b, c] = set.runners as [ReplicaSet['runners'][0], ReplicaSet['runners'][0], ReplicaSet['runners'][0]];
    const learner = 'learnercap01';
    const first = await startSession(a.url, learner);
    const second = await startSession(b.url, learner);
    const third = await startSession(c.url, learner);
    // The fourth, started on b: the cap is three for the learner across all replicas, so the first (on a) ends.
    const fourth = await startSession(b.url, learner);
    expect(await ownerOf(first.id)).toBe('');
    const gone = await call(a.url, 'GET', `/api/sessions/${first.id}`, { token: first.token });
    expect(gone.status).toBe(404);
    const rows = await db.all<{ id: string }>('SELECT id FROM live_sessions WHERE learner_id = ? ORDER BY id', [
      learner,
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual([second.id, third.id, fourth.id].sort());
    for (const s of [second, third, fourth]) {
      expect((await call(entry.url, 'GET', `/api/sessions/${s.id}`, { token: s.token })).status).toBe(200);
      await call(entry.url, 'DELETE', `/api/sessions/${s.id}`, { token: s.token });
    }
  });

  it('refuses a start over the per-address cap counted on every replica, not per replica', async () => {
    const started = [];
    try {
      // Six from 127.0.0.1, two on each replica: no replica alone is near the cap of six.
      for (let i = 0; i < 6; i++) {
        started.push(await startSession(set.runners[i % 3]!.url, `learneraddress0${i}`));
      }
      for (const r of set.runners) {
        const refused = await call(r.url, 'POST', '/api/sessions', {
          learner: 'learneraddress09',
          body: { scenarioId: SCENARIO },
        });
        expect(refused.status).toBe(429);
        expect((refused.body.error as { message: string }).message).toContain(
          '6 sessions are already open from your address',
        );
      }
    } finally {
      for (const s of started) await call(entry.url, 'DELETE', `/api/sessions/${s.id}`, { token: s.token });
    }
    // Ended ones free their seats on every replica.
    const again = await startSession(set.runners[2]!.url, 'learneraddress09');
    await call(entry.url, 'DELETE', `/api/sessions/${again.id}`, { token: again.token });
  });

  it('keeps forwarding working through a rolling update from the release that signed v1, without trusting v1 for a body', async () => {
    // The previous release's replica, played here by a stand-in that signs and checks v1 as that
    // release did, written out below rather than taken from ReplicaAuth (replica-auth.test.ts pins
    // ReplicaAuth's v1 to that release's own output). It is in the map with no signature (its
    // rows have none) and holds one live session.
    const older = await startOlderReplica(set.secret);
    const olderId = 'replica-old-0a1b2c3d';
    const beat = () => db.run('UPDATE runner_replicas SET heartbeat_at = ? WHERE id = ?', [Date.now(), olderId]);
    await db.run(
      'INSERT INTO runner_replicas (id, address, started_at, heartbeat_at, draining) VALUES (?, ?, ?, ?, 0)',
      [olderId, older.address, Date.now(), Date.now()],
    );
    await db.run(
      `INSERT INTO live_sessions (id, replica_id, learner_id, scenario_id, workshop_id, created_at, expires_at)
       VALUES (?, ?, ?, ?, NULL, ?, ?)`,
      ['oldsession0001', olderId, 'learnerrolling01', SCENARIO, Date.now(), Date.now() + 600_000],
    );
    const { id, token } = await startSession(entry.url, 'learnerrolling02');
    const owner = runnerOf(await ownerOf(id));
    /** What the older replica sends the owner when its learner's request is for this session. */
    const viaOlder = (method: string, path: string, options: Parameters<typeof call>[3] = {}, from = olderId) =>
      call(owner.url, method, path, {
        ...options,
        token,
        headers: { ...signV1(set.secret, from, method, path, '10.0.0.7'), ...options.headers },
      });
    try {
      // Old to new, a GET: the replicas read the map at each heartbeat (5 s), then the older one's v1 counts.
      let got = await viaOlder('GET', `/api/sessions/${id}`);
      for (let i = 0; i < 80 && got.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await beat();
        got = await viaOlder('GET', `/api/sessions/${id}`);
      }
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      expect((got.body.session as { id: string }).id).toBe(id);
      // The terminal's WebSocket too: an upgrade has no body.
      const terminal = await connectTerminal(owner.url, id, token, (path) =>
        signV1(set.secret, olderId, 'GET', path, '10.0.0.7'),
      );
      try {
        expect(await terminal.run('kubectl get ns shop -o name')).toContain('namespace/shop');
      } finally {
        terminal.close();
      }

      // Old to new with a body: v1 does not cover it, so nothing is applied; the learner is told to try again.
      const marker = { yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-older\n  namespace: shop\n' };
      const applyPath = `/api/sessions/${id}/apply`;
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await viaOlder('POST', applyPath, { body: marker });
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toBe('2');
        expect(refused.body.error).toMatchObject({
          code: 'Draining',
          message: expect.stringContaining('the lab is being updated'),
        });
      }
      // Nor is any other request that could change something, body or not: End has none.
      expect((await viaOlder('DELETE', `/api/sessions/${id}`)).status).toBe(503);
      expect((await viaOlder('POST', `/api/sessions/${id}/check`, { body: {} })).status).toBe(503);
      // A GET that carries a body, by Content-Length or chunked, is not the bodiless request v1 is good for.
      const withBody = await viaOlder('GET', `/api/sessions/${id}`, {
        body: marker,
        headers: { 'content-length': String(JSON.stringify(marker).length) },
      });
      expect(withBody.status).toBe(503);
      const chunked = await viaOlder('GET', `/api/sessions/${id}`, {
        body: marker,
        headers: { 'transfer-encoding': 'chunked' },
      });
      expect(chunked.status).toBe(503);
      // The session is still there, and the apply refused five times was applied by none: the learner's retry creates.
      expect((await call(entry.url, 'GET', `/api/sessions/${id}`, { token })).status).toBe(200);
      const applied = await call(entry.url, 'POST', applyPath, { token, body: marker });
      expect(applied.body.results).toEqual([expect.objectContaining({ name: 'from-older', action: 'created' })]);

      // A v1 signature from a replica the map does not hold as an older one is forged, GET or not.
      expect((await viaOlder('GET', `/api/sessions/${id}`, {}, 'replica-a-00000000')).status).toBe(403);
      // Nor does a v1 header under another secret count, from the listed one.
      const wrongSecret = await call(owner.url, 'GET', `/api/sessions/${id}`, {
        token,
        headers: signV1('w'.repeat(43), olderId, 'GET', `/api/sessions/${id}`, '10.0.0.7'),
      });
      expect(wrongSecret.status).toBe(403);

      // New to old: the learner's request for the older replica's session, through any new one,
      // reaches it signed v1 (the only one it checks), once, with the body the learner sent.
      await beat();
      for (const r of set.runners) {
        const viaNew = await call(r.url, 'GET', '/api/sessions/oldsession0001', { token: 'o'.repeat(43) });
        expect(viaNew.status).toBe(200);
        const checked = await call(r.url, 'POST', '/api/sessions/oldsession0001/check', {
          token: 'o'.repeat(43),
          body: { from: r.name },
        });
        expect(checked.status).toBe(200);
      }
      expect(older.seen).toHaveLength(2 * set.runners.length);
      for (const s of older.seen) expect(s).toMatchObject({ valid: true, header: expect.stringMatching(/^v1\./) });
      expect(older.seen.filter((s) => s.method === 'POST').map((s) => s.body)).toEqual(
        set.runners.map((r) => JSON.stringify({ from: r.name })),
      );

      // Once the older replica is gone from the map, its v1 signatures count for nothing.
      await db.run('UPDATE runner_replicas SET heartbeat_at = ? WHERE id = ?', [Date.now() - 60_000, olderId]);
      let after = await viaOlder('GET', `/api/sessions/${id}`);
      for (let i = 0; i < 80 && after.status !== 403; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await viaOlder('GET', `/api/sessions/${id}`);
      }
      expect(after.status).toBe(403);
    } finally {
      await db.run('DELETE FROM live_sessions WHERE replica_id = ?', [olderId]);
      await db.run('DELETE FROM runner_replicas WHERE id = ?', [olderId]);
      await older.close();
      await call(entry.url, 'DELETE', `/api/sessions/${id}`, { token });
    }
  });

  it('signs reports with one key that every replica publishes', async () => {
    const keys = [];
    for (const r of set.runners) keys.push((await call(r.url, 'GET', '/api/signing-key')).body.keyId);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(1);
    const [row] = await db.all<{ name: string }>('SELECT name FROM runner_keys');
    expect(row?.name).toBe('report-signing');
  });

  it('tells the learners of a replica killed with SIGKILL that the lab restarted, and leaves the others working', async () => {
    // One session on each replica, started on it directly.
    const sessions = [];
    for (const [i, r] of set.runners.entries()) {
      const learner = `learnerkill0${i}`;
      sessions.push({ ...(await startSession(r.url, learner)), learner, runner: r });
    }
    for (const s of sessions) expect(runnerOf(await ownerOf(s.id))).toBe(s.runner);
    await call(sessions[2]!.runner.url, 'POST', `/api/sessions/${sessions[2]!.id}/check`, {
      token: sessions[2]!.token,
      learner: sessions[2]!.learner,
    });
    const victim = sessions[2]!.runner;
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    for (const via of set.runners.slice(0, 2)) {
      const lost = await call(via.url, 'GET', `/api/sessions/${sessions[2]!.id}`, { token: sessions[2]!.token });
      expect(lost.status).toBe(404);
      expect((lost.body.error as { message: string }).message).toContain(
        'the lab restarted, so this session and its cluster are gone; your progress is safe',
      );
    }
    // The terminal's socket hears the same before any upgrade.
    await expect(connectTerminal(set.runners[0]!.url, sessions[2]!.id, sessions[2]!.token)).rejects.toThrow(/404/);
    // Their progress is safe: the database has it, and the surviving replicas read it.
    const progress = await call(entry.url, 'GET', '/api/progress', { learner: sessions[2]!.learner });
    expect(progress.body.progress).toEqual([expect.objectContaining({ scenarioId: SCENARIO })]);

    // The others carry on, through the entry point (which now skips the dead one) and through each other.
    for (const s of sessions.slice(0, 2)) {
      expect((await call(entry.url, 'GET', `/api/sessions/${s.id}`, { token: s.token })).status).toBe(200);
      const other = set.runners.find((r) => r !== s.runner && r !== victim)!;
      const terminal = await connectTerminal(other.url, s.id, s.token);
      try {
        expect(await terminal.run('kubectl get ns shop -o name')).toContain('namespace/shop');
      } finally {
        terminal.close();
      }
      const checked = await call(other.url, 'POST', `/api/sessions/${s.id}/check`, {
        token: s.token,
        learner: s.learner,
      });
      expect(checked.status).toBe(200);
      await call(entry.url, 'DELETE', `/api/sessions/${s.id}`, { token: s.token });
    }
  });

  it('drains on SIGTERM: no new session, live ones run to their end, then it exits', async () => {
    const [a, b] = set.runners as [ReplicaSet['runners'][0], ReplicaSet['runners'][0]];
    const live = await startSession(b.url, 'learnerdrain01');
    expect(runnerOf(await ownerOf(live.id))).toBe(b);
    const held = await db.all('SELECT id FROM live_sessions WHERE replica_id LIKE ?', [`${b.name}-%`]);
    expect(held).toEqual([{ id: live.id }]);
    b.child.kill('SIGTERM');
    const until = Date.now() + 10_000;
    while ((await call(b.url, 'GET', '/api/ready')).status === 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const ready = await call(b.url, 'GET', '/api/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatchObject({
      code: 'Draining',
      message: expect.stringContaining('stopping for an update'),
    });
    const rows = await db.all('SELECT draining FROM runner_replicas WHERE id LIKE ?', [`${b.name}-%`]);
    expect(rows).toEqual([{ draining: 1 }]);

    // A Start that still reaches it is handed to a replica that stays.
    const moved = await startSession(b.url, 'learnerdrain02');
    expect(runnerOf(await ownerOf(moved.id))).toBe(a);

    // Its live session still works, through it and through the others, but is not extended.
    const terminal = await connectTerminal(a.url, live.id, live.token);
    try {
      expect(await terminal.run('kubectl get ns shop -o name')).toContain('namespace/shop');
    } finally {
      terminal.close();
    }
    const extend = await call(b.url, 'POST', `/api/sessions/${live.id}/extend`, { token: live.token });
    expect(extend.status).toBe(409);
    expect((extend.body.error as { message: string }).message).toContain('cannot be extended');
    expect(b.child.exitCode).toBeNull();

    // Once it ends, the replica goes, and leaves the map.
    expect((await call(a.url, 'DELETE', `/api/sessions/${live.id}`, { token: live.token })).status).toBe(204);
    expect(await b.exited).toBe(0);
    expect(await db.all('SELECT id FROM runner_replicas WHERE id LIKE ?', [`${b.name}-%`])).toEqual([]);
    expect(b.output()).toContain('paranoid: draining: 1 live session(s)');
    await call(a.url, 'DELETE', `/api/sessions/${moved.id}`, { token: moved.token });
  });
});

/**
 * The previous release's forwarding signature, as that release wrote it: HMAC-SHA256 of
 * version, sender, time, method, path and the learner's address (no body), base64url.
 */
function v1Mac(secret: string, from: string, at: string, method: string, path: string, client: string): string {
  return createHmac('sha256', secret)
    .update(['v1', from, at, method.toUpperCase(), path, client].join('\n'))
    .digest('base64url');
}

function signV1(secret: string, from: string, method: string, path: string, client: string): Record<string, string> {
  const at = String(Date.now());
  return {
    'x-paranoid-replica': `v1.${from}.${at}.${v1Mac(secret, from, at, method, path, client)}`,
    'x-paranoid-client': client,
  };
}

/**
 * A stand-in for a replica of the previous release: it checks v1 signatures only (a v2 one is
 * refused, as that release refused any other format) and answers every valid forward 200.
 */
async function startOlderReplica(secret: string): Promise<{
  address: string;
  seen: { method: string; path: string; header: string; body: string; valid: boolean }[];
  close(): Promise<void>;
}> {
  const seen: { method: string; path: string; header: string; body: string; valid: boolean }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = String(req.headers['x-paranoid-replica'] ?? '');
      const client = String(req.headers['x-paranoid-client'] ?? '');
      const [version, from = '', at = '', mac = '', ...rest] = header.split('.');
      const expected = v1Mac(secret, from, at, req.method ?? 'GET', req.url ?? '/', client);
      const valid =
        version === 'v1' && rest.length === 0 && Math.abs(Date.now() - Number(at)) < 60_000 && mac === expected;
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        header,
        body: Buffer.concat(chunks).toString(),
        valid,
      });
      res.writeHead(valid ? 200 : 403, { 'content-type': 'application/json' });
      res.end(JSON.stringify(valid ? { session: { id: 'oldsession0001' }, passed: false } : { error: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
