import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterMap } from '@paranoid/api/cluster-map.ts';
import { ApiErrorBody } from '@paranoid/api/errors.ts';
import { LearnerResponse, ProgressResponse } from '@paranoid/api/progress.ts';
import { Roster, RosterUpdate } from '@paranoid/api/roster.ts';
import { ScenarioDetailResponse, ScenariosResponse } from '@paranoid/api/scenarios.ts';
import {
  ApplyResponse,
  CheckResponse,
  CreatedSessionResponse,
  HintResponse,
  ObjectsResponse,
  ObjectYamlResponse,
  SessionResponse,
  SolutionResponse,
  StartingResponse,
} from '@paranoid/api/sessions.ts';
import { TrackResponse, TracksResponse } from '@paranoid/api/track.ts';
import {
  InstructorWorkshopResponse,
  InstructorWorkshopsResponse,
  LearnerWorkshopResponse,
  LearnerWorkshopsResponse,
} from '@paranoid/api/workshops.ts';
import { SimProvider } from '@paranoid/providers/sim-provider.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodArray, ZodNullable, ZodObject, ZodOptional, ZodUnion, z } from 'zod';
import { type App, createApp, LEARNER_COOKIE } from './app.ts';
import { NetworkMap } from './cluster-map.ts';
import { InstructorTokens, rotateInstructorToken } from './instructor-token.ts';
import { ProgressStore } from './progress-store.ts';
import { SessionManager } from './sessions.ts';
import { Signer } from './signing.ts';
import { FakeCatalog, FakeGrader, SCENARIO } from './testing/fakes.ts';
import { Workshops } from './workshops.ts';

// The site is typed by @paranoid/api and never sees the server's own types: this walks the API
// on a real simulated cluster and holds every answer to the contract's schema, so the two
// cannot drift apart unnoticed. Schemas are strict here: a field the contract does not name fails.

let dir: string;
let host: SimHost;
let app: App;
let sessions: SessionManager;
let store: ProgressStore;
let instructor: string;
const COOKIE = `${LEARNER_COOKIE}=learner0000000001`;
const TRACK = {
  id: 'net',
  title: 'Networks',
  summary: 'S',
  audience: 'A',
  minutes: 15,
  scenarios: [{ id: SCENARIO.id, required: true }],
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-contract-'));
  host = await createSimHost({ port: 0 });
  const provider = new SimProvider({
    host: {
      addCluster: () => {
        const c = host.addCluster();
        return { id: c.id, token: c.token, server: c.server, certificateAuthority: host.caCertificate };
      },
      removeCluster: (id) => host.removeCluster(id),
    },
    setup: async () => [],
    settleTimeoutMs: 0,
  });
  store = await ProgressStore.open(join(dir, 'progress.sqlite'));
  sessions = new SessionManager({ provider, workDir: join(dir, 'work'), terminals: { kind: 'off', reason: 'tests' } });
  instructor = rotateInstructorToken(dir).token;
  const catalog = new FakeCatalog();
  app = createApp({
    sessions,
    catalog,
    grader: new FakeGrader(),
    store,
    provider: provider.info(),
    reachability: new NetworkMap(),
    workshops: {
      workshops: new Workshops({
        store,
        scenarioExists: async (id) => (await catalog.get(id)) !== undefined,
        track: async (id) => (id === TRACK.id ? TRACK : undefined),
      }),
      tracks: { list: async () => [TRACK], get: async (id) => (id === TRACK.id ? TRACK : undefined) },
      tokens: new InstructorTokens(dir),
      signer: Signer.fromDataDir(dir),
    },
  });
});

afterAll(async () => {
  await sessions.shutdown();
  await store.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The schema strict at every level, so an answer with a field the contract lacks fails too. */
function strictly(schema: z.ZodType): z.ZodType {
  if (schema instanceof ZodObject)
    return z.strictObject(
      Object.fromEntries(Object.entries(schema.shape).map(([k, v]) => [k, strictly(v as z.ZodType)])),
    );
  if (schema instanceof ZodArray) return z.array(strictly(schema.element as z.ZodType));
  if (schema instanceof ZodNullable) return strictly(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof ZodOptional) return strictly(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof ZodUnion) return z.union((schema.options as z.ZodType[]).map(strictly));
  return schema;
}

async function call<S extends z.ZodType>(
  schema: S,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<z.output<S>> {
  const res = await app.request(path, {
    method,
    headers: { cookie: COOKIE, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  const parsed = strictly(schema).safeParse(json);
  expect(parsed.error?.issues, `${method} ${path}`).toBeUndefined();
  return parsed.data as z.output<S>;
}

describe('the HTTP API keeps to its contract (@paranoid/api)', () => {
  it('in every answer a learner gets while playing a scenario', async () => {
    await call(ScenariosResponse, 'GET', '/api/scenarios');
    await call(ScenarioDetailResponse, 'GET', `/api/scenarios/${SCENARIO.id}`);
    await call(LearnerResponse, 'PUT', '/api/me', { displayName: 'Ada' });
    await call(LearnerResponse, 'GET', '/api/me');
    const created = await call(CreatedSessionResponse, 'POST', '/api/sessions', { scenarioId: SCENARIO.id });
    await call(StartingResponse, 'GET', '/api/sessions/starting');
    const auth = { authorization: `Bearer ${created.token}` };
    const base = `/api/sessions/${created.session.id}`;
    await call(SessionResponse, 'GET', base, undefined, auth);
    await call(SessionResponse, 'POST', `${base}/extend`, undefined, auth);
    const applied = await call(
      ApplyResponse,
      'POST',
      `${base}/apply`,
      {
        yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers: [{name: web, image: nginx:1.27}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\n  namespace: shop\nspec:\n  containers: [{name: web, image: nginx}]\n',
      },
      auth,
    );
    expect(applied.results.map((r) => r.ok)).toEqual([true, true, false]);
    const { objects } = await call(ObjectsResponse, 'GET', `${base}/objects`, undefined, auth);
    expect(objects).toContainEqual({ apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop' });
    await call(
      ObjectYamlResponse,
      'GET',
      `${base}/object?apiVersion=v1&kind=Pod&name=web&namespace=shop`,
      undefined,
      auth,
    );
    const map = await call(ClusterMap, 'GET', `${base}/map`, undefined, auth);
    expect(map.nodes.some((n) => n.kind === 'Namespace' && n.label === 'shop')).toBe(true);
    await call(CheckResponse, 'POST', `${base}/check`, undefined, auth);
    await call(HintResponse, 'POST', `${base}/hint`, { checkId: 'db-isolated', index: 0 }, auth);
    await call(HintResponse, 'POST', `${base}/hint`, { stepId: 'explore' }, auth);
    await call(SolutionResponse, 'POST', `${base}/solution`, { confirm: true }, auth);
    await call(ProgressResponse, 'GET', '/api/progress');
    await call(SessionResponse, 'POST', `${base}/reset`, undefined, auth);
  });

  it('in every answer an instructor and a workshop member get', async () => {
    const as = { authorization: `Bearer ${instructor}` };
    await call(TracksResponse, 'GET', '/api/tracks');
    await call(TrackResponse, 'GET', `/api/tracks/${TRACK.id}`);
    const { workshop } = await call(
      InstructorWorkshopResponse,
      'POST',
      '/api/workshops',
      { title: 'Friday lab', trackId: 'net', seats: 3 },
      as,
    );
    await call(InstructorWorkshopsResponse, 'GET', '/api/workshops', undefined, as);
    await call(LearnerWorkshopResponse, 'POST', '/api/join', { code: workshop.joinCode, displayName: 'Ada' });
    await call(LearnerWorkshopsResponse, 'GET', '/api/me/workshops');
    await call(LearnerWorkshopResponse, 'GET', `/api/me/workshops/${workshop.id}`);
    await call(InstructorWorkshopResponse, 'POST', `/api/workshops/${workshop.id}/broadcast`, { message: 'hi' }, as);
    const { roster } = await call(
      z.object({ roster: Roster }),
      'GET',
      `/api/workshops/${workshop.id}/roster`,
      undefined,
      as,
    );
    expect(roster.learners.map((l) => l.displayName)).toEqual(['Ada']);
    const stream = await app.request(`/api/workshops/${workshop.id}/roster/stream`, { headers: as });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    await reader.cancel();
    const event = JSON.parse(text.slice(text.indexOf('data: ') + 6, text.indexOf('\n\n')));
    expect(strictly(RosterUpdate).safeParse(event).error?.issues).toBeUndefined();
    await call(InstructorWorkshopResponse, 'POST', `/api/workshops/${workshop.id}/end`, {}, as);
  });

  it('refuses a body the contract does not allow with a 400 that names the field', async () => {
    for (const [path, body, field] of [
      ['/api/sessions', { scenarioId: 7 }, 'scenarioId'],
      ['/api/me', { displayName: 'x'.repeat(41) }, 'displayName'],
      ['/api/join', { code: 'ABCDE-FGHJK' }, 'display name'],
    ] as const) {
      const res = await app.request(path, {
        method: path === '/api/me' ? 'PUT' : 'POST',
        headers: { cookie: COOKIE, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, path).toBe(400);
      const error = ApiErrorBody.parse(await res.json()).error;
      expect(error.code).toBe('BadRequest');
      expect(error.message).toContain(field);
    }
  });
});
