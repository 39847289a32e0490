import type { Roster } from '@paranoid/api/roster.ts';
import type { Track } from '@paranoid/api/track.ts';
import { BroadcastRequest, CreateWorkshopRequest, JoinRequest } from '@paranoid/api/workshops.ts';
import type { z } from 'zod';
import { ApiError, badRequest, notFound } from './errors.ts';
import type { InstructorTokens } from './instructor-token.ts';
import type { ScenarioCatalog } from './ports.ts';
import type { ProgressStore, WorkshopRecord } from './progress-store.ts';
import type { SessionPeers } from './replica-router.ts';
import { buildReport, learnerReportHtml, type Report, type ReportScope, reportCsv } from './reports.ts';
import { buildRoster, type ScenarioOutline } from './roster.ts';
import type { SessionManager } from './sessions.ts';
import type { Signer } from './signing.ts';
import type { Workshops } from './workshops.ts';

/** The tracks the runner knows (content/tracks). */
export interface TrackCatalog {
  list(): Promise<Track[]>;
  get(id: string): Promise<Track | undefined>;
}

/** What the workshop routes need; app.ts passes them through when the runner has workshops. */
export interface WorkshopDeps {
  workshops: Workshops;
  tracks: TrackCatalog;
  tokens: InstructorTokens;
  signer: Signer;
  /** How often a live roster is sent even when nothing changed (stuck marks, time spent). */
  rosterTickMs?: number;
  /** With replicas: a learner's sessions other replicas hold, so an instructor's extend and reset reach them too. */
  peers?: SessionPeers;
}

/** A request as the routes see it. */
export interface RouteContext {
  req: Request;
  url: URL;
  params: Record<string, string>;
  learnerId: string;
  /** The JSON body, parsed by the API contract's schema for it (a 400 `BadRequest` naming the field otherwise). */
  readBody<S extends z.ZodType>(schema: S): Promise<z.output<S>>;
}

/** Registers a handler for a method and path, as the app's router does. */
export type Route = (method: string, path: string, handler: (c: RouteContext) => Promise<Response> | Response) => void;

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'cache-control': 'no-store' } });

/**
 * Tracks, workshops, rosters and reports. Learner routes go by the learner cookie;
 * instructor routes need `Authorization: Bearer <instructor token>` (none: 401; another
 * token, a session's included: 403; expired: 401 saying so).
 */
export function workshopRoutes(
  on: Route,
  deps: WorkshopDeps & { store: ProgressStore; sessions: SessionManager; catalog: ScenarioCatalog },
): void {
  const { workshops, tracks, tokens, signer, store, sessions, catalog } = deps;

  const instructor = (c: RouteContext) => {
    const header = c.req.headers.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : null;
    switch (tokens.verify(token)) {
      case 'ok':
        return;
      case 'missing':
        throw new ApiError(401, 'Unauthorized', 'this needs the instructor token (Authorization: Bearer ...)');
      case 'none-configured':
        throw new ApiError(
          401,
          'Unauthorized',
          'this runner has no instructor token yet: run `paranoid admin token` with its --data-dir',
        );
      case 'expired':
        throw new ApiError(
          401,
          'Unauthorized',
          'the instructor token has expired: run `paranoid admin token` for a new one',
        );
      case 'wrong':
        throw new ApiError(403, 'Forbidden', 'this token is not the instructor token');
    }
  };

  const outlines = new Map<string, ScenarioOutline>();
  // A scenario removed from the catalog since the workshop began is looked up once, not per report.
  const missing = new Set<string>();
  const outlineMap = async (ids: string[]) => {
    for (const id of ids) {
      if (outlines.has(id) || missing.has(id)) continue;
      const s = await catalog.get(id);
      if (!s) missing.add(id);
      if (s) {
        outlines.set(id, {
          id,
          title: s.title,
          steps: s.steps.map((x) => ({ id: x.id, title: x.title, checks: x.checks })),
          checks: s.checks.map((x) => ({ id: x.id })),
        });
      }
    }
    return outlines;
  };

  const workshop = async (id: string): Promise<WorkshopRecord> => {
    const w = await store.workshop(id);
    if (!w) throw notFound(`workshop "${id}"`);
    return w;
  };

  const roster = async (w: WorkshopRecord): Promise<Roster> =>
    buildRoster({
      workshop: w,
      members: await store.members(w.id),
      progress: await store.workshopProgress(w.id),
      scenarios: await outlineMap(w.scenarioIds),
      live: sessions
        .list(w.id)
        .map((s) => ({ learnerId: s.learnerId, scenarioId: s.scenarioId, createdAt: s.createdAt })),
      now: Date.now(),
    });

  const view = async (w: WorkshopRecord, origin: string) =>
    workshops.instructorView(w, (await store.members(w.id)).length, origin);

  const sendReport = (report: Report, c: RouteContext) => {
    const format = c.url.searchParams.get('format') ?? 'json';
    const learner = c.url.searchParams.get('learner');
    const name = `${report.scope.kind}-${report.scope.id}`;
    if (format === 'json') {
      return new Response(JSON.stringify(report, null, 2), {
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.json"`,
          'cache-control': 'no-store',
        },
      });
    }
    if (format === 'csv') {
      return new Response(reportCsv(report), {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.csv"`,
          'cache-control': 'no-store',
        },
      });
    }
    if (format === 'html') {
      if (!learner) throw badRequest('the printable report is per learner: add ?learner=<id>');
      const html = learnerReportHtml(report, learner);
      if (!html) throw notFound(`learner "${learner}" in this report`);
      return new Response(html, {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          // The page is ours alone: no scripts at all, so a hostile display name cannot run any.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        },
      });
    }
    throw badRequest(`unknown report format "${format}": use json, csv or html`);
  };

  const signs = (c: RouteContext) => c.url.searchParams.get('format') !== 'csv';

  const workshopReport = async (w: WorkshopRecord, sign: boolean) => {
    const members = await store.members(w.id);
    const scope: ReportScope = { kind: 'workshop', id: w.id, title: w.title };
    return buildReport({
      scope,
      scenarioIds: w.scenarioIds,
      scenarios: await outlineMap(w.scenarioIds),
      learners: members.map((m) => ({ id: m.learnerId, displayName: m.displayName })),
      progress: await store.workshopProgress(w.id),
      signer,
      now: Date.now(),
      sign,
    });
  };

  // Tracks: public, as the site's pages are.
  on('GET', '/api/tracks', async () => json({ tracks: await tracks.list() }));
  on('GET', '/api/tracks/:id', async (c) => {
    const track = await tracks.get(c.params.id!);
    if (!track) throw notFound(`track "${c.params.id}"`);
    return json({ track });
  });
  on('GET', '/api/signing-key', () => json({ keyId: signer.keyId, publicKey: signer.publicKeyPem }));

  // Learners.
  on('POST', '/api/join', async (c) => {
    const body = await c.readBody(JoinRequest);
    const joined = await workshops.join(c.learnerId, body.code, body.displayName);
    return json({ workshop: joined });
  });
  on('GET', '/api/me/workshops', async (c) => json({ workshops: await workshops.current(c.learnerId) }));
  on('GET', '/api/me/workshops/:id', async (c) =>
    json({ workshop: await workshops.forLearner(c.learnerId, c.params.id!) }),
  );

  // Instructors.
  on('GET', '/api/instructor', (c) => {
    instructor(c);
    return json({ instructor: true });
  });
  on('GET', '/api/workshops', async (c) => {
    instructor(c);
    const all = await store.workshops();
    return json({ workshops: await Promise.all(all.map((w) => view(w, c.url.origin))) });
  });
  on('POST', '/api/workshops', async (c) => {
    instructor(c);
    const w = await workshops.create(await c.readBody(CreateWorkshopRequest));
    return json({ workshop: await view(w, c.url.origin) }, 201);
  });
  on('GET', '/api/workshops/:id', async (c) => {
    instructor(c);
    return json({ workshop: await view(await workshop(c.params.id!), c.url.origin) });
  });
  on('GET', '/api/workshops/:id/roster', async (c) => {
    instructor(c);
    return json({ roster: await roster(await workshop(c.params.id!)) });
  });
  on('GET', '/api/workshops/:id/roster/stream', async (c) => {
    instructor(c);
    const id = (await workshop(c.params.id!)).id;
    const encoder = new TextEncoder();
    let stop = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        let pending: ReturnType<typeof setTimeout> | undefined;
        const send = async () => {
          pending = undefined;
          try {
            const w = await workshop(id);
            const body = { workshop: await view(w, c.url.origin), roster: await roster(w) };
            if (!closed) controller.enqueue(encoder.encode(`data: ${JSON.stringify(body)}\n\n`));
          } catch {
            stop();
          }
        };
        // Changes come in bursts (a Check records, then notifies): one send per burst.
        const soon = () => {
          pending ??= setTimeout(() => void send(), 25);
        };
        const w = workshops.subscribe(id, soon);
        const tick = setInterval(soon, deps.rosterTickMs ?? 5_000);
        stop = () => {
          if (closed) return;
          closed = true;
          w();
          clearInterval(tick);
          clearTimeout(pending);
          try {
            controller.close();
          } catch {
            // Already closed by the client.
          }
        };
        void send();
      },
      cancel() {
        stop();
      },
    });
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
  });
  on('POST', '/api/workshops/:id/end', async (c) => {
    instructor(c);
    const w = await workshop(c.params.id!);
    const ended = (await store.endWorkshop(w.id))!;
    // Ending a workshop ends its sessions: their clusters and shells go now.
    await Promise.all(sessions.list(w.id).map((s) => sessions.delete(s.id)));
    workshops.changed(w.id);
    return json({ workshop: await view(ended, c.url.origin) });
  });
  on('POST', '/api/workshops/:id/broadcast', async (c) => {
    instructor(c);
    const w = await workshop(c.params.id!);
    const { message } = await c.readBody(BroadcastRequest);
    const updated = (await store.setBroadcast(w.id, message || null))!;
    workshops.changed(w.id);
    return json({ workshop: await view(updated, c.url.origin) });
  });
  const learnerSessions = async (c: RouteContext) => {
    instructor(c);
    const w = await workshop(c.params.id!);
    if (!(await store.members(w.id)).some((m) => m.learnerId === c.params.learner)) {
      throw notFound(`learner "${c.params.learner}" in this workshop`);
    }
    const mine = sessions.list(w.id).filter((s) => s.learnerId === c.params.learner);
    // Held by other replicas: the action is carried to each owner.
    const elsewhere = (await deps.peers?.sessionsOf(w.id, c.params.learner!)) ?? [];
    if (mine.length === 0 && elsewhere.length === 0) {
      throw new ApiError(409, 'BadRequest', 'this learner has no live session to change');
    }
    return { w, mine, elsewhere };
  };
  on('POST', '/api/workshops/:id/learners/:learner/extend', async (c) => {
    const { w, mine, elsewhere } = await learnerSessions(c);
    const extended = mine.map((s) => sessions.view(sessions.extend(s)));
    for (const s of elsewhere) extended.push(await s.act('extend'));
    workshops.changed(w.id);
    return json({ sessions: extended });
  });
  on('POST', '/api/workshops/:id/learners/:learner/reset', async (c) => {
    const { w, mine, elsewhere } = await learnerSessions(c);
    const reset = [];
    for (const s of mine) reset.push(sessions.view(await sessions.reset(s)));
    for (const s of elsewhere) reset.push(await s.act('reset'));
    workshops.changed(w.id);
    return json({ sessions: reset });
  });
  on('GET', '/api/workshops/:id/report', async (c) => {
    instructor(c);
    return sendReport(await workshopReport(await workshop(c.params.id!), signs(c)), c);
  });
  on('GET', '/api/tracks/:id/report', async (c) => {
    instructor(c);
    const track = await tracks.get(c.params.id!);
    if (!track) throw notFound(`track "${c.params.id}"`);
    const ids = track.scenarios.map((s) => s.id);
    const progress = await store.progressOn(ids);
    const learners = await store.learners([...new Set(progress.map((p) => p.learnerId))]);
    return sendReport(
      buildReport({
        scope: { kind: 'track', id: track.id, title: track.title },
        scenarioIds: ids,
        scenarios: await outlineMap(ids),
        learners,
        progress,
        signer,
        now: Date.now(),
        sign: signs(c),
      }),
      c,
    );
  });
}
