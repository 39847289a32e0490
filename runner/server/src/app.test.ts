import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp, LEARNER_COOKIE } from './app.ts';
import { ProgressStore } from './progress-store.ts';
import { SESSION_REQUEST_LIMITS, SessionRequestGate } from './session-request-gate.ts';
import { SessionManager } from './sessions.ts';
import { FakeCatalog, FakeGrader, FakeProvider } from './testing/fakes.ts';

let dir: string;
let app: App;
let sessions: SessionManager;
let provider: FakeProvider;
let grader: FakeGrader;
let store: ProgressStore;
const COOKIE = `${LEARNER_COOKIE}=learner0000000001`;

function build(now = () => Date.now(), ttlMs = 60_000, maxLifeMs?: number, requestGate?: SessionRequestGate) {
  sessions = new SessionManager({
    provider,
    workDir: join(dir, 'work'),
    terminals: { kind: 'off', reason: 'tests' },
    now,
    ttlMs,
    ...(maxLifeMs ? { maxLifeMs } : {}),
  });
  app = createApp({
    sessions,
    catalog: new FakeCatalog(),
    grader,
    store,
    provider: provider.info(),
    maxBodyBytes: 4096,
    ...(requestGate ? { requestGate } : {}),
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-app-'));
  provider = new FakeProvider();
  grader = new FakeGrader();
  store = await ProgressStore.open(join(dir, 'progress.sqlite'));
  build();
});

afterEach(async () => {
  await sessions.shutdown();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: COOKIE, ...headers },
    body: JSON.stringify(body),
  });

async function start() {
  const res = await post('/api/sessions', { scenarioId: 'missing-networkpolicy' });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { session: { id: string }; token: string };
  return { id: body.session.id, auth: { authorization: `Bearer ${body.token}` } };
}

describe('the lab API', () => {
  it("refuses one session's calls past its bounds with 429 and Retry-After, counting only authorized calls, and serves other sessions", async () => {
    await sessions.shutdown();
    build(undefined, undefined, undefined, new SessionRequestGate(SESSION_REQUEST_LIMITS, () => 0));
    const a = await start();
    const b = await start();
    const objects = (s: { id: string }, auth: Record<string, string> = {}) =>
      app.request(`/api/sessions/${s.id}/objects`, { headers: { cookie: COOKIE, ...auth } });
    // A stranger's calls without the token are refused as such, and use up nothing of the session's.
    for (let i = 0; i < 50; i++) expect((await objects(a)).status).toBe(401);
    for (let i = 0; i < SESSION_REQUEST_LIMITS.burst; i++) expect((await objects(a, a.auth)).status).toBe(200);
    const refused = await objects(a, a.auth);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: { code: 'TooManyRequests', message: 'too many calls of this session: try again in 1 s' },
    });
    expect((await objects(b, b.auth)).status).toBe(200);
  });

  it('answers health with the provider and the terminal mode', async () => {
    const res = await app.request('/api/health');
    expect(await res.json()).toEqual({ status: 'ok', provider: 'sim', terminals: 'off', grader: true });
  });

  it('gives a new visitor an anonymous learner id in an HttpOnly, SameSite=Strict cookie', async () => {
    const res = await app.request('/api/me');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${LEARNER_COOKIE}=[a-z0-9]{24}; `));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const again = await app.request('/api/me', { headers: { cookie: COOKIE } });
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('keeps an optional display name', async () => {
    const res = await app.request('/api/me', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie: COOKIE },
      body: JSON.stringify({ displayName: ' Ada ' }),
    });
    expect(((await res.json()) as { learner: { displayName: string } }).learner.displayName).toBe('Ada');
  });

  it('lists scenarios and hides solutions and hint texts', async () => {
    const list = (await (await app.request('/api/scenarios')).json()) as { scenarios: { id: string }[] };
    expect(list.scenarios.map((s) => s.id)).toEqual(['missing-networkpolicy']);
    const detail = (await (await app.request('/api/scenarios/missing-networkpolicy')).json()) as Record<
      string,
      unknown
    >;
    expect(detail.solution).toBeUndefined();
    expect(JSON.stringify(detail)).not.toContain('Try kubectl get');
    expect(detail.checks).toEqual([
      { id: 'db-isolated', title: 'Only the API reaches the database', level: 'MUST', hintCount: 2 },
    ]);
  });

  it('answers an unknown path with a JSON error that has a code and a message', async () => {
    const res = await app.request('/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NotFound', message: '/api/nope not found' } });
  });

  it('refuses to start a scenario that does not exist', async () => {
    const res = await post('/api/sessions', { scenarioId: 'nope' });
    expect(res.status).toBe(404);
  });

  it('refuses a body that is not JSON, and one that is too large', async () => {
    const form = await app.request('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'scenarioId=x',
    });
    expect(form.status).toBe(415);
    const big = await post('/api/sessions', { scenarioId: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('PayloadTooLarge');
  });

  it('creates a session with its own cluster and token', async () => {
    const { id, auth } = await start();
    expect(provider.live.size).toBe(1);
    const res = await app.request(`/api/sessions/${id}`, { headers: auth });
    const body = (await res.json()) as { session: { id: string; secondsLeft: number; terminal: unknown } };
    expect(body.session.id).toBe(id);
    // The TTL is 60 s; a loaded machine may take a second or two between the two requests.
    expect(body.session.secondsLeft).toBeGreaterThanOrEqual(55);
    expect(body.session.secondsLeft).toBeLessThanOrEqual(60);
    expect(body.session.terminal).toEqual({ available: false, sandboxed: false, reason: 'tests' });
  });

  it('shows the learner the step their cluster is on while it is being made, and only theirs', async () => {
    let finish!: () => void;
    const create = provider.create.bind(provider);
    provider.create = async (options) => {
      options.onProgress?.({ step: 'creating nodes', fraction: 0.3 });
      await new Promise<void>((resolve) => (finish = resolve));
      return create(options);
    };
    const pending = post('/api/sessions', { scenarioId: 'missing-networkpolicy' });
    await new Promise((r) => setTimeout(r, 10));
    const mine = await app.request('/api/sessions/starting', { headers: { cookie: COOKIE } });
    expect(await mine.json()).toEqual({
      starting: [
        { scenarioId: 'missing-networkpolicy', step: 'creating nodes', fraction: 0.3, startedAt: expect.any(Number) },
      ],
    });
    const theirs = await app.request('/api/sessions/starting', {
      headers: { cookie: `${LEARNER_COOKIE}=learner0000000002` },
    });
    expect(await theirs.json()).toEqual({ starting: [] });
    finish();
    expect((await pending).status).toBe(201);
    const after = await app.request('/api/sessions/starting', { headers: { cookie: COOKIE } });
    expect(await after.json()).toEqual({ starting: [] });
  });

  it('says why a cluster could not be made instead of answering a bare 500', async () => {
    provider.create = async () => {
      throw new Error('failed to create cluster paranoid-x at "creating nodes": kind is not installed');
    };
    const res = await post('/api/sessions', { scenarioId: 'missing-networkpolicy' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        code: 'ClusterUnavailable',
        message:
          'could not create your cluster: failed to create cluster paranoid-x at "creating nodes": kind is not installed',
      },
    });
  });

  it('demands the session token: none is a 401, a wrong one or another session’s is a 404', async () => {
    const a = await start();
    const b = await start();
    expect((await app.request(`/api/sessions/${a.id}`)).status).toBe(401);
    expect((await app.request(`/api/sessions/${a.id}`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      404,
    );
    const crossed = await app.request(`/api/sessions/${a.id}/check`, { method: 'POST', headers: b.auth });
    expect(crossed.status).toBe(404);
    expect(((await crossed.json()) as { error: { code: string } }).error.code).toBe('SessionExpired');
  });

  it('shows where YAML fails to parse and applies nothing', async () => {
    const { id, auth } = await start();
    const res = await post(`/api/sessions/${id}/apply`, { yaml: 'kind: Pod\nmetadata:\n  name: [oops\n' }, auth);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; position: { line: number } } };
    expect(body.error.code).toBe('InvalidYaml');
    expect(body.error.position.line).toBeGreaterThanOrEqual(3);
  });

  it('records check results as progress that outlives the runner', async () => {
    const { id, auth } = await start();
    let res = await app.request(`/api/sessions/${id}/check`, { method: 'POST', headers: auth });
    expect(((await res.json()) as { passed: boolean }).passed).toBe(false);
    grader.passing = true;
    res = await app.request(`/api/sessions/${id}/check`, { method: 'POST', headers: auth });
    const body = (await res.json()) as { passed: boolean; checks: { hintCount: number }[] };
    expect(body.passed).toBe(true);
    expect(body.checks[0]!.hintCount).toBe(2);
    await store.close();
    store = await ProgressStore.open(join(dir, 'progress.sqlite'));
    build();
    const progress = (await (await app.request('/api/progress', { headers: { cookie: COOKIE } })).json()) as {
      progress: { scenarioId: string; checks: Record<string, boolean>; completedAt: number | null }[];
    };
    expect(progress.progress).toHaveLength(1);
    expect(progress.progress[0]!.checks).toEqual({ 'db-isolated': true });
    expect(progress.progress[0]!.completedAt).not.toBeNull();
  });

  it('reveals hints one at a time and records each', async () => {
    const { id, auth } = await start();
    const res = await post(`/api/sessions/${id}/hint`, { checkId: 'db-isolated', index: 1 }, auth);
    const body = (await res.json()) as { hint: string; progress: { hintsRevealed: string[] } };
    expect(body.hint).toBe('Two');
    expect(body.progress.hintsRevealed).toEqual(['check:db-isolated:1']);
    expect((await post(`/api/sessions/${id}/hint`, { checkId: 'db-isolated', index: 5 }, auth)).status).toBe(404);
  });

  it('reveals the solution only when confirmed, and records it', async () => {
    const { id, auth } = await start();
    expect((await post(`/api/sessions/${id}/solution`, {}, auth)).status).toBe(400);
    const res = await post(`/api/sessions/${id}/solution`, { confirm: true }, auth);
    const body = (await res.json()) as { files: unknown[]; progress: { solutionRevealed: boolean } };
    expect(body.files).toHaveLength(1);
    expect(body.progress.solutionRevealed).toBe(true);
  });

  it('resets a session onto a fresh cluster, and deletes it with its cluster', async () => {
    const { id, auth } = await start();
    const before = [...provider.live];
    await app.request(`/api/sessions/${id}/reset`, { method: 'POST', headers: auth });
    expect([...provider.live]).not.toEqual(before);
    expect(provider.live.size).toBe(1);
    expect((await app.request(`/api/sessions/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect(provider.live.size).toBe(0);
    expect((await app.request(`/api/sessions/${id}`, { headers: auth })).status).toBe(404);
  });

  it('ends a session when its time is up, and extend adds a session length to the time left', async () => {
    let now = 1_000_000;
    build(() => now, 50);
    const { id, auth } = await start();
    now += 40;
    const extended = await app.request(`/api/sessions/${id}/extend`, { method: 'POST', headers: auth });
    const { session } = (await extended.json()) as { session: { expiresAt: number; extendSeconds: number } };
    // 10 ms were left; one Extend adds the 50 ms a session starts with.
    expect(session.expiresAt).toBe(now + 10 + 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await app.request(`/api/sessions/${id}`, { headers: auth })).status).toBe(404);
    expect(provider.live.size).toBe(0);
  });

  it('extends no further than the longest life of a session, and says how far that is', async () => {
    const now = 1_000_000;
    build(() => now, 60_000, 150_000);
    const { id, auth } = await start();
    const extend = async () => {
      const res = await app.request(`/api/sessions/${id}/extend`, { method: 'POST', headers: auth });
      return ((await res.json()) as { session: { secondsLeft: number; maxSecondsLeft: number } }).session;
    };
    expect(await extend()).toMatchObject({ secondsLeft: 120, maxSecondsLeft: 150 });
    expect(await extend()).toMatchObject({ secondsLeft: 150, maxSecondsLeft: 150 });
    expect(await extend()).toMatchObject({ secondsLeft: 150, maxSecondsLeft: 150 });
  });

  it('keeps at most three sessions per learner, ending the oldest', async () => {
    const first = await start();
    await start();
    await start();
    await start();
    expect(sessions.size).toBe(3);
    expect((await app.request(`/api/sessions/${first.id}`, { headers: first.auth })).status).toBe(404);
  });
});
