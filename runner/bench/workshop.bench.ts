/**
 * Workshops at the size of a room: how long a learner's Check takes to reach the
 * instructor's live roster, 100 learners joining in the same minute (join to a live
 * prompt on the simulator), and a report of 200 learners × 13 scenarios on SQLite
 * and on PostgreSQL (the bench starts its own server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import { rotateInstructorToken } from '@paranoid/server/instructor-token.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { startTestPostgres } from '@paranoid/server/testing/postgres-server.ts';
import { WebSocket } from 'ws';
import type { Figure } from './main.ts';

const SCENARIO = 'missing-networkpolicy';
const CHECKS = 10;
const JOINERS = 100;
const REPORT_LEARNERS = 200;
const REPORT_SCENARIOS = 13;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
};

type Lab = Awaited<ReturnType<typeof createServeLab>>;

async function withLab<T>(
  options: { database?: string; maxSessions?: number },
  run: (lab: Lab, url: string, token: string, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paranoid-bench-workshop-'));
  const lab = await createServeLab({
    provider: 'sim',
    dataDir,
    ...(options.database ? { database: options.database } : {}),
    ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}),
    // Every bench learner comes from 127.0.0.1, as a room behind one NAT would: the
    // per-address limits (16 live sessions, 30 starts a minute) are raised as a workshop's runner would.
    maxSessionsPerAddress: '1000',
    startsPerMinute: '1000',
    rosterTickMs: 60_000,
  });
  const { url } = await lab.listen(0, '127.0.0.1');
  const { token } = rotateInstructorToken(dataDir);
  try {
    return await run(lab, url, token, dataDir);
  } finally {
    await lab.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A learner with their own cookie. */
function learner(url: string, n: number) {
  const cookie = `paranoid_learner=benchlearner${String(n).padStart(6, '0')}`;
  return async <T>(path: string, body?: unknown, token?: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        cookie,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`failed to ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

async function createWorkshop(url: string, token: string, seats: number): Promise<{ id: string; joinCode: string }> {
  const res = await fetch(`${url}/api/workshops`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ title: 'bench', scenarioIds: [SCENARIO], seats }),
  });
  return ((await res.json()) as { workshop: { id: string; joinCode: string } }).workshop;
}

function waitForPrompt(url: string, sessionId: string, token: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(
      `${url.replace('http', 'ws')}/api/sessions/${sessionId}/terminal`,
      [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`],
      { headers: { origin: url } },
    );
    let out = '';
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error('no prompt within 120 s'));
    }, 120_000);
    ws.on('message', (d) => {
      out += d.toString();
      if (/\$ $/.test(out.replace(ANSI, ''))) {
        clearTimeout(timer);
        ws.close();
        resolve();
      }
    });
    ws.on('error', reject);
  });
}

/** From POST .../check to the roster event that shows it, on the instructor's SSE stream. */
async function rosterLatency(): Promise<Figure[]> {
  return withLab({}, async (_lab, url, token) => {
    const w = await createWorkshop(url, token, 5);
    const as = learner(url, 1);
    await as('/api/join', { code: w.joinCode, displayName: 'Bench' });
    const s = await as<{ session: { id: string }; token: string }>('/api/sessions', { scenarioId: SCENARIO });
    const abort = new AbortController();
    const res = await fetch(`${url}/api/workshops/${w.id}/roster/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextRoster = async () => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const event = buffer.slice(6, end);
          buffer = buffer.slice(end + 2);
          return JSON.parse(event) as { roster: { learners: { lastActivityAt: number }[] } };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the roster stream ended');
        buffer += value;
      }
    };
    await nextRoster();
    const times: number[] = [];
    const grading: number[] = [];
    for (let i = 0; i < CHECKS; i++) {
      const sentAt = Date.now();
      const started = performance.now();
      const check = as(`/api/sessions/${s.session.id}/check`, {}, s.token).then(() =>
        grading.push(performance.now() - started),
      );
      for (;;) {
        const update = await nextRoster();
        if ((update.roster.learners[0]?.lastActivityAt ?? 0) >= sentAt) break;
      }
      times.push(performance.now() - started);
      await check;
      await new Promise((r) => setTimeout(r, 200));
    }
    abort.abort();
    return [
      {
        name: `roster update after a Check, SSE to the instructor (p50 of ${CHECKS})`,
        value: quantile(times, 0.5),
        unit: 'ms',
      },
      {
        name: `roster update after a Check, SSE to the instructor (p95 of ${CHECKS})`,
        value: quantile(times, 0.95),
        unit: 'ms',
        goal: '< 1000',
      },
      {
        name: `of which the grade on the simulated cluster (p50, Check's own answer)`,
        value: quantile(grading, 0.5),
        unit: 'ms',
      },
    ];
  });
}

/** 100 learners joining at once, without starting sessions: what the join itself costs. */
export async function hundredJoinOnly(): Promise<Figure[]> {
  return withLab({}, async (_lab, url, token) => {
    const w = await createWorkshop(url, token, JOINERS);
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: JOINERS }, async (_, i) => {
        const started = performance.now();
        await learner(url, 5000 + i)('/api/join', { code: w.joinCode, displayName: `Learner ${i}` });
        times.push(performance.now() - started);
      }),
    );
    return [{ name: `${JOINERS} joins at once, no sessions (p95)`, value: quantile(times, 0.95), unit: 'ms' }];
  });
}

const RESERVE_WARMUP_MS = 20_000;

/** 100 learners arriving spread over one minute: join, Start, first prompt; all stay in their sessions. */
async function hundredJoin(): Promise<Figure[]> {
  return withLab({ maxSessions: JOINERS + 10 }, async (lab, url, token) => {
    const w = await createWorkshop(url, token, JOINERS);
    lab.prewarm();
    // An instructor opens the workshop a little before the room joins: its reserved clusters
    // (DEFAULT_RESERVE_PER_WORKSHOP for the first scenario) are made in that time.
    await new Promise((r) => setTimeout(r, RESERVE_WARMUP_MS));
    const spacing = 60_000 / JOINERS;
    const times: number[] = [];
    const joins: number[] = [];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: JOINERS }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * spacing));
        const as = learner(url, 1000 + i);
        const started = performance.now();
        try {
          await as('/api/join', { code: w.joinCode, displayName: `Learner ${i}` });
          joins.push(performance.now() - started);
          const s = await as<{ session: { id: string }; token: string }>('/api/sessions', { scenarioId: SCENARIO });
          await waitForPrompt(url, s.session.id, s.token);
          times.push(performance.now() - started);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }),
    );
    const live = lab.sessions.size;
    return [
      { name: `${JOINERS} learners in one minute: join to live prompt (p50)`, value: quantile(times, 0.5), unit: 'ms' },
      {
        name: `${JOINERS} learners in one minute: join to live prompt (p95)`,
        value: quantile(times, 0.95),
        unit: 'ms',
        goal: '< 1000',
      },
      {
        name: `${JOINERS} learners in one minute: the join request alone (p95)`,
        value: quantile(joins, 0.95),
        unit: 'ms',
      },
      { name: `${JOINERS} learners in one minute: sessions live at the end`, value: live, unit: 'sessions' },
      { name: `${JOINERS} learners in one minute: failed`, value: failures.length, unit: 'learners', goal: '0' },
    ];
  });
}

/** 200 learners × 13 scenarios recorded in the store, then the signed JSON and the CSV report through the API. */
async function report(database: string | undefined, label: string): Promise<Figure[]> {
  return withLab(database ? { database } : {}, async (lab, url, token) => {
    const store = lab.store;
    const scenarioIds = Array.from({ length: REPORT_SCENARIOS }, (_, i) => `bench-scenario-${i}`);
    const now = Date.now();
    await store.createWorkshop({
      id: 'wsbench',
      joinCode: 'BENCH-BENCH',
      title: 'Report bench',
      trackId: null,
      scenarioIds,
      seats: REPORT_LEARNERS,
      startsAt: now,
      endsAt: now + 3_600_000,
      sessionMinutes: 60,
      solutionsAllowed: true,
      stuckMinutes: 10,
      createdAt: now,
      endedAt: null,
      broadcast: null,
      broadcastAt: null,
    });
    const checks = Array.from({ length: 8 }, (_, c) => ({ id: `check-${c}`, passed: true }));
    for (let l = 0; l < REPORT_LEARNERS; l++) {
      const id = `reportlearner${String(l).padStart(5, '0')}`;
      await store.join('wsbench', id, `Learner ${l}`);
      await Promise.all(
        scenarioIds.map(async (scenarioId, s) => {
          const scope = { workshopId: 'wsbench' };
          await store.recordStart(id, scenarioId, scope);
          await store.recordHint(id, scenarioId, 'check:check-0:0', scope);
          // About two in three rows completed, so most rows carry a signed record.
          await store.recordChecks(
            id,
            scenarioId,
            checks.map((c, i) => ({ ...c, passed: (l + s + i) % 3 !== 0 || i > 0 })),
            scope,
          );
        }),
      );
    }
    const get = async (format: string) => {
      const started = performance.now();
      const res = await fetch(`${url}/api/workshops/wsbench/report?format=${format}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`failed to get the ${format} report: ${res.status} ${text}`);
      return { ms: performance.now() - started, text };
    };
    await get('json');
    const json = await get('json');
    const csv = await get('csv');
    const rows = (JSON.parse(json.text) as { rows: { completionRecord?: unknown }[] }).rows;
    return [
      {
        name: `report ${REPORT_LEARNERS} × ${REPORT_SCENARIOS}, signed JSON (${label})`,
        value: json.ms,
        unit: 'ms',
        goal: '< 1000',
      },
      {
        name: `report ${REPORT_LEARNERS} × ${REPORT_SCENARIOS}, CSV (${label})`,
        value: csv.ms,
        unit: 'ms',
        goal: '< 1000',
      },
      { name: `report rows (${label})`, value: rows.length, unit: 'rows' },
      {
        name: `report rows with a signed record (${label})`,
        value: rows.filter((r) => r.completionRecord).length,
        unit: 'rows',
      },
    ];
  });
}

export async function run(): Promise<Figure[]> {
  const figures = [...(await rosterLatency()), ...(await report(undefined, 'SQLite'))];
  const pg = await startTestPostgres();
  try {
    figures.push(...(await report(await pg.createDatabase('bench_report'), 'PostgreSQL')));
  } finally {
    pg.stop();
  }
  figures.push(...(await hundredJoinOnly()), ...(await hundredJoin()));
  return figures;
}
