import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Roster } from '@paranoid/api/roster.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp, LEARNER_COOKIE } from './app.ts';
import { InstructorTokens, rotateInstructorToken } from './instructor-token.ts';
import { ProgressStore } from './progress-store.ts';
import type { Report } from './reports.ts';
import { SessionManager } from './sessions.ts';
import { Signer, verifyRecord } from './signing.ts';
import { FakeCatalog, FakeGrader, FakeProvider } from './testing/fakes.ts';
import { Workshops } from './workshops.ts';

let dir: string;
let app: App;
let sessions: SessionManager;
let grader: FakeGrader;
let store: ProgressStore;
let signer: Signer;
let token: string;
let now: number;

const TRACK = {
  id: 'net',
  title: 'Networks',
  summary: 'S',
  audience: 'A',
  minutes: 15,
  scenarios: [{ id: 'missing-networkpolicy', required: true }],
};
const cookie = (n: number) => `${LEARNER_COOKIE}=learner00000000${String(n).padStart(2, '0')}`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-workshops-'));
  now = Date.parse('2026-03-02T13:00:00Z');
  grader = new FakeGrader();
  store = await ProgressStore.open(join(dir, 'progress.sqlite'), () => now);
  sessions = new SessionManager({
    provider: new FakeProvider(),
    workDir: join(dir, 'work'),
    terminals: { kind: 'off', reason: 'tests' },
    now: () => now,
  });
  signer = Signer.fromDataDir(dir);
  token = rotateInstructorToken(dir, { now }).token;
  const catalog = new FakeCatalog();
  app = createApp({
    sessions,
    catalog,
    grader,
    store,
    provider: { name: 'sim', realNetwork: false, warnings: [] },
    workshops: {
      workshops: new Workshops({
        store,
        scenarioExists: async (id) => (await catalog.get(id)) !== undefined,
        track: async (id) => (id === TRACK.id ? TRACK : undefined),
        now: () => now,
        perLearnerFailures: 5,
      }),
      tracks: { list: async () => [TRACK], get: async (id) => (id === TRACK.id ? TRACK : undefined) },
      tokens: new InstructorTokens(dir, () => now),
      signer,
      rosterTickMs: 20,
    },
  });
});

afterEach(async () => {
  await sessions.shutdown();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const asInstructor = (method: string, path: string, body?: unknown) =>
  send(method, path, body, { authorization: `Bearer ${token}` });

async function create(over: Record<string, unknown> = {}) {
  const res = await asInstructor('POST', '/api/workshops', { title: 'Friday lab', trackId: 'net', seats: 2, ...over });
  expect(res.status).toBe(201);
  return ((await res.json()) as { workshop: { id: string; joinCode: string; joinUrl: string; instructorUrl: string } })
    .workshop;
}

async function joinAs(n: number, code: string, name = `Learner ${n}`) {
  return send('POST', '/api/join', { code, displayName: name }, { cookie: cookie(n) });
}

async function startSession(n: number) {
  const res = await send('POST', '/api/sessions', { scenarioId: 'missing-networkpolicy' }, { cookie: cookie(n) });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { session: { id: string; expiresAt: number }; token: string };
  return { ...body.session, auth: { authorization: `Bearer ${body.token}` } };
}

const roster = async (id: string) =>
  ((await (await asInstructor('GET', `/api/workshops/${id}/roster`)).json()) as { roster: Roster }).roster;

describe('instructor endpoints', () => {
  const routes = (id: string): [string, string, unknown?][] => [
    ['GET', '/api/instructor'],
    ['GET', '/api/workshops'],
    ['POST', '/api/workshops', { title: 'x', trackId: 'net', seats: 1 }],
    ['GET', `/api/workshops/${id}`],
    ['GET', `/api/workshops/${id}/roster`],
    ['GET', `/api/workshops/${id}/roster/stream`],
    ['POST', `/api/workshops/${id}/end`, {}],
    ['POST', `/api/workshops/${id}/broadcast`, { message: 'hi' }],
    ['POST', `/api/workshops/${id}/learners/learner0000000001/extend`, {}],
    ['POST', `/api/workshops/${id}/learners/learner0000000001/reset`, {}],
    ['GET', `/api/workshops/${id}/report?format=json`],
    ['GET', `/api/workshops/${id}/report?format=csv`],
    ['GET', '/api/tracks/net/report?format=json'],
  ];

  it('answer 401 without a token and 403 with any other token, a learner’s session token included', async () => {
    const a = await create();
    expect((await joinAs(1, a.joinCode)).status).toBe(200);
    const learner = await startSession(1);
    for (const [method, path, body] of routes(a.id)) {
      const none = await send(method, path, body, { cookie: cookie(1) });
      expect(none.status, `${method} ${path} without a token`).toBe(401);
      const theirs = await send(method, path, body, { cookie: cookie(1), ...learner.auth });
      expect(theirs.status, `${method} ${path} with a session token`).toBe(403);
      const wrong = await send(method, path, body, { authorization: `Bearer ${token}x` });
      expect(wrong.status, `${method} ${path} with a wrong token`).toBe(403);
    }
    // None of those calls changed anything.
    expect((await store.workshop(a.id))!.endedAt).toBeNull();
    expect((await store.workshop(a.id))!.broadcast).toBeNull();
  });

  it('refuse an expired token and say so; a rotated token works at once and the old one stops', async () => {
    const res = await asInstructor('GET', '/api/instructor');
    expect(res.status).toBe(200);
    now += 31 * 24 * 60 * 60_000;
    const expired = await asInstructor('GET', '/api/workshops');
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toContain('expired');
    const old = token;
    token = rotateInstructorToken(dir, { now }).token;
    expect((await asInstructor('GET', '/api/workshops')).status).toBe(200);
    expect((await send('GET', '/api/workshops', undefined, { authorization: `Bearer ${old}` })).status).toBe(403);
  });
});

describe('a learner of workshop A', () => {
  it('cannot see workshop B, nor take B’s seat with A’s code', async () => {
    const a = await create({ title: 'A' });
    const b = await create({ title: 'B' });
    await joinAs(1, a.joinCode);
    expect((await send('GET', `/api/me/workshops/${a.id}`, undefined, { cookie: cookie(1) })).status).toBe(200);
    const other = await send('GET', `/api/me/workshops/${b.id}`, undefined, { cookie: cookie(1) });
    expect(other.status).toBe(403);
    expect(JSON.stringify(await other.json())).not.toContain(b.joinCode);
    expect((await store.members(b.id)).length).toBe(0);
    const mine = (await (await send('GET', '/api/me/workshops', undefined, { cookie: cookie(1) })).json()) as {
      workshops: { id: string }[];
    };
    expect(mine.workshops.map((w) => w.id)).toEqual([a.id]);
    expect(JSON.stringify(mine)).not.toContain(a.joinCode);
  });
});

describe('creating a workshop', () => {
  it('gives a short join code, a join URL and an instructor URL', async () => {
    const w = await create();
    expect(w.joinCode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    expect(w.joinUrl).toBe(`http://localhost/join/?code=${w.joinCode}`);
    expect(w.instructorUrl).toBe(`http://localhost/instructor/?workshop=${w.id}`);
  });

  it('refuses an unknown scenario or track, seats below 1, and both or neither of track and scenarios', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ title: 'x', scenarioIds: ['nope'], seats: 1 }, 404, /scenario "nope" not found/],
      [{ title: 'x', trackId: 'nope', seats: 1 }, 404, /track "nope" not found/],
      [{ title: 'x', trackId: 'net', seats: 0 }, 400, /seats: at least 1 seat/],
      [{ title: 'x', seats: 1 }, 400, /either trackId or scenarioIds/],
      [{ title: 'x', trackId: 'net', scenarioIds: ['missing-networkpolicy'], seats: 1 }, 400, /either trackId/],
      [{ title: 'x', trackId: 'net', seats: 1, startsAt: 10, endsAt: 5 }, 400, /endsAt must be after startsAt/],
    ];
    for (const [body, status, message] of cases) {
      const res = await asInstructor('POST', '/api/workshops', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(await store.workshops()).toEqual([]);
  });
});

describe('joining', () => {
  it('enforces seats and the time window with clear messages, and lets a member back in', async () => {
    const w = await create({ seats: 1 });
    expect((await joinAs(1, w.joinCode.toLowerCase().replace('-', ' '))).status).toBe(200);
    expect((await joinAs(1, w.joinCode, 'Renamed')).status).toBe(200);
    const full = await joinAs(2, w.joinCode);
    expect(full.status).toBe(409);
    expect(((await full.json()) as { error: { message: string } }).error.message).toBe('this workshop is full');
    const later = await create({ startsAt: Date.parse('2026-03-02T14:00:00Z') });
    const early = await joinAs(3, later.joinCode);
    expect(early.status).toBe(403);
    expect(((await early.json()) as { error: { message: string } }).error.message).toBe(
      'this workshop starts at 14:00 UTC',
    );
  });

  it('answers a wrong code the same whatever part is wrong, and stops a guesser', async () => {
    await create();
    const a = await joinAs(1, 'AAAAA-AAAAA');
    const b = await joinAs(1, 'not a code at all');
    expect(a.status).toBe(404);
    expect(await a.json()).toEqual(await b.json());
    for (let i = 0; i < 3; i++) await joinAs(1, 'BBBBB-BBBBB');
    const limited = await joinAs(1, 'CCCCC-CCCCC');
    expect(limited.status).toBe(429);
    // Another learner is not held up by this one's guesses.
    expect((await joinAs(2, 'CCCCC-CCCCC')).status).toBe(404);
  });

  it('refuses a display name that is empty or too long', async () => {
    const w = await create();
    expect((await joinAs(1, w.joinCode, '   ')).status).toBe(400);
    expect((await joinAs(1, w.joinCode, 'x'.repeat(41))).status).toBe(400);
    expect(await store.members(w.id)).toEqual([]);
  });
});

describe('a workshop in progress', () => {
  it('gives sessions the workshop’s length and shows each learner on the roster', async () => {
    const w = await create({ sessionMinutes: 20, stuckMinutes: 5 });
    await joinAs(1, w.joinCode, 'Solver');
    await joinAs(2, w.joinCode, 'Hinter');
    const s1 = await startSession(1);
    expect(s1.expiresAt).toBe(now + 20 * 60_000);
    const s2 = await startSession(2);
    now += 60_000;
    grader.passing = true;
    expect((await send('POST', `/api/sessions/${s1.id}/check`, undefined, s1.auth)).status).toBe(200);
    grader.passing = false;
    await send('POST', `/api/sessions/${s2.id}/hint`, { checkId: 'db-isolated', index: 0 }, s2.auth);
    const r = await roster(w.id);
    const by = Object.fromEntries(r.learners.map((l) => [l.displayName, l]));
    expect(by.Solver).toMatchObject({
      completed: 1,
      stuck: false,
      live: true,
      current: { scenarioId: 'missing-networkpolicy', checksPassed: 1, checksTotal: 1, completed: true, step: null },
    });
    expect(by.Hinter).toMatchObject({ completed: 0, hintsRevealed: 1, current: { checksPassed: 0, checksTotal: 1 } });
    expect(r.scenarios).toEqual([
      expect.objectContaining({ scenarioId: 'missing-networkpolicy', completed: 1, inProgress: 1, notStarted: 0 }),
    ]);
    now += 5 * 60_000;
    const later = await roster(w.id);
    expect(later.learners.find((l) => l.displayName === 'Hinter')!.stuck).toBe(true);
    expect(later.learners.find((l) => l.displayName === 'Solver')!.stuck).toBe(false);
  });

  it('keeps the solution back when the instructor turned solutions off', async () => {
    const w = await create({ solutionsAllowed: false });
    await joinAs(1, w.joinCode);
    const s = await startSession(1);
    const res = await send('POST', `/api/sessions/${s.id}/solution`, { confirm: true }, s.auth);
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).not.toContain('NetworkPolicy');
  });

  it('broadcasts a message members see, extends one learner’s session, and ending it ends its sessions', async () => {
    const w = await create({ sessionMinutes: 10 });
    await joinAs(1, w.joinCode);
    const s = await startSession(1);
    expect(
      (await asInstructor('POST', `/api/workshops/${w.id}/broadcast`, { message: 'Break until 15:00' })).status,
    ).toBe(200);
    const seen = (await (await send('GET', `/api/me/workshops/${w.id}`, undefined, { cookie: cookie(1) })).json()) as {
      workshop: { broadcast: { message: string } };
    };
    expect(seen.workshop.broadcast.message).toBe('Break until 15:00');
    now += 5 * 60_000;
    const extended = await asInstructor('POST', `/api/workshops/${w.id}/learners/learner0000000001/extend`, {});
    // Extend adds one session length to the time left (5 of 10 minutes): 15 minutes from now.
    expect(((await extended.json()) as { sessions: { expiresAt: number }[] }).sessions[0]!.expiresAt).toBe(
      now + 15 * 60_000,
    );
    expect((await asInstructor('POST', `/api/workshops/${w.id}/end`, {})).status).toBe(200);
    expect((await send('GET', `/api/sessions/${s.id}`, undefined, s.auth)).status).toBe(404);
    expect((await joinAs(2, w.joinCode)).status).toBe(410);
  });

  it('streams the roster again when a learner checks, without being asked', async () => {
    const w = await create();
    await joinAs(1, w.joinCode, 'Streamer');
    const s = await startSession(1);
    const res = await asInstructor('GET', `/api/workshops/${w.id}/roster/stream`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const next = async (): Promise<Roster> => {
      let text = '';
      for (;;) {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        const end = text.indexOf('\n\n');
        if (end >= 0) return (JSON.parse(text.slice(6, end)) as { roster: Roster }).roster;
      }
    };
    expect((await next()).learners[0]!.completed).toBe(0);
    grader.passing = true;
    await send('POST', `/api/sessions/${s.id}/check`, undefined, s.auth);
    let seen = await next();
    while (seen.learners[0]!.completed === 0) seen = await next();
    expect(seen.learners[0]!.completed).toBe(1);
    await reader.cancel();
  });
});

describe('reports', () => {
  it('have one row per learner and scenario, and sign each completion so an edited byte fails', async () => {
    const w = await create();
    await joinAs(1, w.joinCode, '=HYPERLINK("x")');
    await joinAs(2, w.joinCode, 'Idle');
    const s = await startSession(1);
    grader.passing = true;
    await send('POST', `/api/sessions/${s.id}/check`, undefined, s.auth);
    const report = (await (await asInstructor('GET', `/api/workshops/${w.id}/report?format=json`)).json()) as Report;
    expect(report.rows.map((r) => [r.displayName, r.status])).toEqual([
      ['=HYPERLINK("x")', 'completed'],
      ['Idle', 'not started'],
    ]);
    const done = report.rows[0]!;
    expect(done).toMatchObject({ checksPassed: 1, checksTotal: 1, hintsUsed: 0, solutionRevealed: false });
    expect(report.rows[1]!.completionRecord).toBeUndefined();
    const { createPublicKey } = await import('node:crypto');
    const key = createPublicKey(report.publicKey);
    expect(verifyRecord(done.completionRecord, key).ok).toBe(true);
    const edited = {
      ...done.completionRecord!,
      payload: done.completionRecord!.payload.replace('"checksPassed":1', '"checksPassed":2'),
    };
    expect(verifyRecord(edited, key).ok).toBe(false);

    const csv = await (await asInstructor('GET', `/api/workshops/${w.id}/report?format=csv`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    // A learner-written name is never a formula in a spreadsheet.
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);

    const html = await (
      await asInstructor('GET', `/api/workshops/${w.id}/report?format=html&learner=learner0000000001`)
    ).text();
    expect(html).toContain('&quot;x&quot;');
    expect(html).not.toContain('=HYPERLINK("x")');
  });
});
