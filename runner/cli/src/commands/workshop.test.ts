import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rotateInstructorToken } from '@paranoid/server/instructor-token.ts';
import { createLabServer, type LabServer } from '@paranoid/server/lab-server.ts';
import { FakeCatalog, FakeGrader, FakeProvider } from '@paranoid/server/testing/fakes.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from './admin.ts';
import { CliError } from './runner-client.ts';
import { verifyReport } from './verify-report.ts';
import { createWorkshop, endWorkshop, listWorkshops, workshopReport } from './workshop.ts';

let dir: string;
let lab: LabServer;
let url: string;
let token: string;
const grader = new FakeGrader();
const capture = () => {
  const lines: string[] = [];
  return { lines, out: { stdout: (s: string) => lines.push(s), stderr: (s: string) => lines.push(s) } };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-cli-workshop-'));
  lab = await createLabServer({
    provider: new FakeProvider(),
    catalog: new FakeCatalog(),
    grader,
    database: join(dir, 'progress.sqlite'),
    dataDir: dir,
    terminals: { kind: 'off', reason: 'tests' },
    tracks: {
      list: async () => [],
      get: async (id) =>
        id === 'net'
          ? {
              id,
              title: 'N',
              summary: 'S',
              audience: 'A',
              minutes: 5,
              scenarios: [{ id: 'missing-networkpolicy', required: true }],
            }
          : undefined,
    },
  });
  url = (await lab.listen(0, '127.0.0.1')).url;
  const printed: string[] = [];
  adminToken(
    { dataDir: dir },
    (s) => printed.push(s),
    () => {},
  );
  token = printed.join('').trim();
});

afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

async function learnerCompletes(joinCode: string, name: string, n: number) {
  const cookie = `paranoid_learner=learnercli00000${n}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, ...headers },
      body: JSON.stringify(body),
    });
  expect((await post('/api/join', { code: joinCode, displayName: name })).status).toBe(200);
  const started = (await (await post('/api/sessions', { scenarioId: 'missing-networkpolicy' })).json()) as {
    session: { id: string };
    token: string;
  };
  grader.passing = true;
  await post(`/api/sessions/${started.session.id}/check`, {}, { authorization: `Bearer ${started.token}` });
}

describe('paranoid workshop and verify-report against a running runner', () => {
  it('creates a workshop, reports it, and verify-report accepts the report but not one edited byte', async () => {
    const created = capture();
    expect(await createWorkshop({ url, token, title: 'Lab', track: 'net', seats: '3', json: true }, created.out)).toBe(
      0,
    );
    const w = JSON.parse(created.lines.join('')) as {
      id: string;
      joinCode: string;
      joinUrl: string;
      instructorUrl: string;
    };
    expect(w.joinUrl).toBe(`${url}/join/?code=${w.joinCode}`);
    expect(w.instructorUrl).toBe(`${url}/instructor/?workshop=${w.id}`);
    await learnerCompletes(w.joinCode, 'Ada', 1);

    const listed = capture();
    await listWorkshops({ url, token }, listed.out);
    expect(listed.lines.join('')).toContain(`${w.id}  open      ${w.joinCode}  1/3 seats  Lab`);

    const file = join(dir, 'report.json');
    await workshopReport(w.id, { url, token, format: 'json', out: file }, capture().out);
    const csv = capture();
    await workshopReport(w.id, { url, token, format: 'csv' }, csv.out);
    expect(csv.lines.join('').trim().split('\r\n')).toHaveLength(2);

    const ok = capture();
    expect(await verifyReport(file, { dataDir: dir }, (s) => ok.lines.push(s))).toBe(0);
    expect(ok.lines.join('')).toContain('all 1 completion records are genuine');

    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('\\"hintsUsed\\":0');
    expect(at).toBeGreaterThan(0);
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, `${text.slice(0, at + 14)}1${text.slice(at + 15)}`);
    const bad = capture();
    expect(await verifyReport(edited, { dataDir: dir }, (s) => bad.lines.push(s))).toBe(1);
    expect(bad.lines.join('')).toContain('FAIL  row 1 (Ada / missing-networkpolicy): the signature does not match');

    // Editing the row (not the record) is caught too: the row must say what was signed.
    const report = JSON.parse(text) as { rows: { hintsUsed: number; solutionRevealed: boolean }[] };
    report.rows[0]!.hintsUsed = 0;
    report.rows[0]!.solutionRevealed = true;
    writeFileSync(edited, JSON.stringify(report));
    const row = capture();
    expect(await verifyReport(edited, { dataDir: dir }, (s) => row.lines.push(s))).toBe(1);
    expect(row.lines.join('')).toContain('solutionRevealed says true but the signed record says false');

    await endWorkshop(w.id, { url, token }, capture().out);
  });

  it('says clearly what is wrong: unknown scenario or track, seats below 1, a bad token, an expired one, no runner', async () => {
    const attempt = async (options: Parameters<typeof createWorkshop>[0]) => {
      try {
        await createWorkshop(options, capture().out);
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        return (error as Error).message;
      }
      throw new Error('expected a failure');
    };
    const base = { url, token, title: 'x', seats: '2' };
    expect(await attempt({ ...base, scenarios: 'nope' })).toBe('the runner refused: scenario "nope" not found');
    expect(await attempt({ ...base, track: 'nope' })).toBe('the runner refused: track "nope" not found');
    expect(await attempt({ ...base, track: 'net', seats: '0' })).toBe(
      'invalid --seats "0": expected a whole number of at least 1',
    );
    expect(await attempt({ ...base, track: 'net', token: 'pti_wrong' })).toBe(
      'the runner refused: this token is not the instructor token',
    );
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    expect(await attempt({ ...base, track: 'net', url: `http://127.0.0.1:${closed}` })).toBe(
      `failed to reach the runner at http://127.0.0.1:${closed}: ECONNREFUSED (is \`paranoid serve\` running there?)`,
    );
    const expired = rotateInstructorToken(dir, { now: Date.now() - 40 * 24 * 60 * 60_000 }).token;
    expect(await attempt({ ...base, track: 'net', token: expired })).toBe(
      'the runner refused: the instructor token has expired: run `paranoid admin token` for a new one',
    );
    // The old token stopped working when the expired one replaced it.
    expect(await attempt({ ...base, track: 'net' })).toBe('the runner refused: this token is not the instructor token');
  });
});
