import { SetDisplayNameRequest } from '@paranoid/api/progress.ts';
import { ApplyRequest, HintRequest, SolutionRequest, StartSessionRequest } from '@paranoid/api/sessions.ts';
import { type ApplyResult, ClusterFailure } from '@paranoid/kube/cluster-client.ts';
import { ManifestError, parseEditorText } from '@paranoid/kube/manifests.ts';
import type { ProviderInfo } from '@paranoid/providers/provider.ts';
import type { z } from 'zod';
import { availabilityOn } from './availability.ts';
import { applyCloudFromEditor } from './cloud-apply.ts';
import { ApiError, badRequest, notFound } from './errors.ts';
import type { Grader, Reachability, ScenarioCatalog } from './ports.ts';
import type { ProgressStore } from './progress-store.ts';
import { type SessionCallKind, SessionRequestGate } from './session-request-gate.ts';
import type { Session, SessionManager } from './sessions.ts';
import { randomId } from './tokens.ts';
import { type WorkshopDeps, workshopRoutes } from './workshop-routes.ts';

/** What the lab's HTTP API is built from: the session manager, the scenario catalog, the grader and the rest. */
export interface AppDeps {
  sessions: SessionManager;
  catalog: ScenarioCatalog;
  grader: Grader;
  store: ProgressStore;
  provider: ProviderInfo;
  /** Draws the cluster map; absent until the network engine is wired. */
  reachability?: Reachability;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** False while the grader has no Kubernetes client (health reports it, Check answers 501). */
  graderReady?: boolean;
  /** Bounds on each session's API calls; default `SESSION_REQUEST_LIMITS`. */
  requestGate?: SessionRequestGate;
  /** Tracks, workshops, rosters and reports (workshop-routes.ts); absent in tests of the core API. */
  workshops?: WorkshopDeps;
}

/** A web-standard handler: the Node adapter and the tests both call `request`. */
export interface App {
  /** `connection.address` is the client's own address, from the socket: never from a header it sent. */
  request(input: Request | string, init?: RequestInit, connection?: { address?: string }): Promise<Response>;
}

/** The cookie that carries an anonymous learner's id between visits. */
export const LEARNER_COOKIE = 'paranoid_learner';
/** Largest request body the API reads when no other bound is set; a larger one is refused, not buffered. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const LEARNER_ID = /^[a-z0-9]{8,40}$/;

/** Kinds the editor may open from the cluster, in the order its picker lists them. */
const EDITABLE_KINDS: [apiVersion: string, kind: string][] = [
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['v1', 'Pod'],
  ['v1', 'ServiceAccount'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['v1', 'Namespace'],
];

interface Context {
  req: Request;
  url: URL;
  params: Record<string, string>;
  learnerId: string;
  newLearner: boolean;
  /** The JSON body, parsed by the API contract's schema for it (a 400 `BadRequest` naming the field otherwise). */
  readBody<S extends z.ZodType>(schema: S): Promise<z.output<S>>;
  address?: string;
}

type Handler = (c: Context) => Promise<Response> | Response;

/** The lab's HTTP API. Every `/api/sessions/:id/...` call carries that session's own bearer token. */
export function createApp(deps: AppDeps): App {
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes: { method: string; pattern: RegExp; keys: string[]; handler: Handler }[] = [];
  const on = (method: string, path: string, handler: Handler) => {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-zA-Z]+)/g, (_, key: string) => {
        keys.push(key);
        return '([A-Za-z0-9._-]+)';
      })}$`,
    );
    routes.push({ method, pattern, keys, handler });
  };

  const readJson = async (req: Request): Promise<unknown> => {
    const type = req.headers.get('content-type') ?? '';
    // JSON only: a cross-site form cannot send it without a CORS preflight we never grant.
    if (!type.startsWith('application/json')) {
      throw new ApiError(415, 'UnsupportedMediaType', 'send the request body as application/json');
    }
    const text = await readLimited(req, maxBody);
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw badRequest('the request body is not valid JSON');
    }
  };
  const readBody = async <S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> => {
    const parsed = schema.safeParse(await readJson(req));
    if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
    return parsed.data;
  };

  const session = (c: Context): Session => {
    const header = c.req.headers.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : null;
    return deps.sessions.authorize(c.params.id!, token);
  };

  const gate = deps.requestGate ?? new SessionRequestGate();
  /**
   * A route of one session's API that works on its cluster: once the call is authorized it
   * counts against that session's bounds (session-request-gate.ts), so a script cannot make
   * the runner grade, apply or list for one learner while everyone else's calls wait.
   */
  const onSession = (
    method: string,
    path: string,
    kind: SessionCallKind,
    handler: (c: Context, s: Session) => Promise<Response> | Response,
  ) =>
    on(method, path, async (c) => {
      const s = session(c);
      const leave = gate.enter(s.id, kind);
      try {
        return await handler(c, s);
      } finally {
        leave();
      }
    });

  on('GET', '/api/health', () =>
    json({
      status: deps.sessions.draining === undefined ? 'ok' : 'draining',
      provider: deps.provider.name,
      terminals: deps.sessions.terminalMode.kind,
      // What binds one learner's terminal here (a cgroup each, or only the fallback bounds).
      ...(deps.sessions.terminalMode.kind === 'sandbox'
        ? { terminalLimits: deps.sessions.terminalMode.host.facts.bounds }
        : {}),
      grader: deps.graderReady ?? true,
    }),
  );

  // Readiness, apart from liveness: a draining runner is alive (its sessions run on) but takes no new one.
  on('GET', '/api/ready', () => {
    const draining = deps.sessions.draining;
    if (draining !== undefined) throw new ApiError(503, 'Draining', `${draining}: it takes no new session`, {}, 5);
    return json({ ready: true });
  });

  const withAvailability = <T extends { runsInNamespace?: unknown; notOnKind?: string }>(s: T) => {
    const a = availabilityOn(deps.provider, s);
    return { ...s, available: a.available, ...(a.available ? {} : { unavailableReason: a.reason }) };
  };

  on('GET', '/api/scenarios', async () =>
    json({ provider: deps.provider.name, scenarios: (await deps.catalog.list()).map(withAvailability) }),
  );

  on('GET', '/api/scenarios/:id', async (c) => {
    const scenario = await deps.catalog.get(c.params.id!);
    if (!scenario) throw notFound(`scenario "${c.params.id}"`);
    // The solution stays on the runner until the learner asks for it (and that is recorded).
    // Hints too: each is revealed on request, and the request is recorded.
    const { solution: _solution, checks, steps, ...rest } = scenario;
    return json({
      ...withAvailability(rest),
      steps: steps.map(({ hints, ...step }) => ({ ...step, hintCount: hints.length })),
      checks: checks.map(({ hints, ...check }) => ({ ...check, hintCount: hints.length })),
    });
  });

  on('GET', '/api/me', async (c) => json({ learner: await deps.store.peek(c.learnerId) }));

  on('PUT', '/api/me', async (c) => {
    const { displayName } = await c.readBody(SetDisplayNameRequest);
    const clean = displayName || null;
    return json({ learner: await deps.store.setDisplayName(c.learnerId, clean) });
  });

  on('GET', '/api/progress', async (c) => json({ progress: await deps.store.all(c.learnerId) }));

  // Progress is kept self-paced and, for a workshop's session, in the workshop too; its roster hears of it.
  const recorded = async <T>(s: Session, record: (scope: { workshopId?: string }) => Promise<T>): Promise<T> => {
    const own = await record({});
    if (s.workshopId) {
      await record({ workshopId: s.workshopId });
      deps.workshops?.workshops.changed(s.workshopId);
    }
    return own;
  };

  // Progress of the learner's clusters in the making, for the site's progress bar while
  // POST /api/sessions is still running. Keyed by the learner cookie: there is no session token yet.
  on('GET', '/api/sessions/starting', (c) => json({ starting: deps.sessions.startingFor(c.learnerId) }));

  on('POST', '/api/sessions', async (c) => {
    const body = await c.readBody(StartSessionRequest);
    const wanted = await deps.catalog.get(body.scenarioId);
    if (!wanted) throw notFound(`scenario "${body.scenarioId}"`);
    const availability = availabilityOn(deps.provider, wanted);
    if (!availability.available) {
      throw new ApiError(
        409,
        'ScenarioUnavailable',
        `scenario "${body.scenarioId}" is not offered here: ${availability.reason}`,
      );
    }
    await deps.store.learner(c.learnerId);
    const inWorkshop = await deps.workshops?.workshops.sessionContext(c.learnerId, body.scenarioId);
    const created = await deps.sessions.create(
      { learnerId: c.learnerId, ...(c.address ? { address: c.address } : {}) },
      body.scenarioId,
      inWorkshop ?? {},
    );
    await recorded(created, (scope) => deps.store.recordStart(c.learnerId, created.scenarioId, scope));
    return json({ session: deps.sessions.view(created), token: created.token }, 201);
  });

  on('GET', '/api/sessions/:id', (c) => json({ session: deps.sessions.view(session(c)) }));

  on('DELETE', '/api/sessions/:id', async (c) => {
    await deps.sessions.delete(session(c).id);
    return new Response(null, { status: 204 });
  });

  onSession('POST', '/api/sessions/:id/reset', 'call', async (_c, s) =>
    json({ session: deps.sessions.view(await deps.sessions.reset(s)) }),
  );

  on('POST', '/api/sessions/:id/extend', (c) =>
    json({ session: deps.sessions.view(deps.sessions.extend(session(c))) }),
  );

  onSession('POST', '/api/sessions/:id/apply', 'call', async (c, s) => {
    const body = await c.readBody(ApplyRequest);
    const { objects, cloud } = parseEditorText(body.yaml);
    // A pasted cloud.yaml changes the nodes' instances first, as a change set does (validate's path).
    const results: ApplyResult[] = cloud.length > 0 ? await applyCloudFromEditor(s.cluster, cloud) : [];
    if (objects.length > 0) {
      results.push(...(await s.client.apply(intoSessionNamespaces(objects, s.cluster.namespaces))));
    }
    return json({ results });
  });

  onSession('GET', '/api/sessions/:id/objects', 'call', async (_c, s) => {
    const objects: { apiVersion: string; kind: string; name: string; namespace?: string }[] = [];
    // On a shared cluster the learner may list only their own namespaces.
    const scopes = s.cluster.namespaces ? Object.values(s.cluster.namespaces) : [undefined];
    for (const [apiVersion, kind] of EDITABLE_KINDS) {
      const lists = await Promise.all(scopes.map((ns) => s.client.list(apiVersion, kind, ns).catch(() => [])));
      const items = lists.flat();
      for (const item of items) {
        const meta = (item.metadata ?? {}) as { name?: string; namespace?: string };
        if (!meta.name || isSystemNamespace(kind === 'Namespace' ? meta.name : meta.namespace)) continue;
        objects.push({ apiVersion, kind, name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) });
      }
    }
    return json({ objects });
  });

  onSession('GET', '/api/sessions/:id/object', 'call', async (c, s) => {
    const q = c.url.searchParams;
    const apiVersion = q.get('apiVersion');
    const kind = q.get('kind');
    const name = q.get('name');
    if (!apiVersion || !kind || !name) throw badRequest('apiVersion, kind and name are required');
    const yaml = await s.client.readYaml({ apiVersion, kind, name, namespace: q.get('namespace') ?? undefined });
    return json({ yaml });
  });

  onSession('POST', '/api/sessions/:id/check', 'check', async (_c, s) => {
    const scenario = await deps.catalog.get(s.scenarioId);
    const outcomes = await deps.grader.check(s.scenarioId, s.cluster);
    const hints = new Map((scenario?.checks ?? []).map((check) => [check.id, check.hints.length]));
    // The runner graded the learner's own cluster just now: the only way a completion is recorded.
    const progress = await recorded(s, (scope) => deps.store.recordChecks(s.learnerId, s.scenarioId, outcomes, scope));
    return json({
      checks: outcomes.map((o) => ({ ...o, hintCount: hints.get(o.id) ?? 0 })),
      passed: outcomes.length > 0 && outcomes.every((o) => o.passed),
      progress,
    });
  });

  onSession('POST', '/api/sessions/:id/hint', 'call', async (c, s) => {
    const body = await c.readBody(HintRequest);
    const scenario = await deps.catalog.get(s.scenarioId);
    const { index } = body;
    const owner =
      'checkId' in body
        ? scenario?.checks.find((x) => x.id === body.checkId)
        : scenario?.steps.find((x) => x.id === body.stepId);
    const hint = owner?.hints[index];
    if (!owner || hint === undefined)
      throw notFound(`hint ${index + 1} of "${'checkId' in body ? body.checkId : body.stepId}"`);
    const key = `${'checkId' in body ? 'check' : 'step'}:${owner.id}:${index}`;
    const progress = await recorded(s, (scope) => deps.store.recordHint(s.learnerId, s.scenarioId, key, scope));
    return json({ hint, index, progress });
  });

  onSession('POST', '/api/sessions/:id/solution', 'call', async (c, s) => {
    await c.readBody(SolutionRequest);
    if (s.workshopId && !(await deps.store.workshop(s.workshopId))?.solutionsAllowed) {
      throw new ApiError(403, 'Forbidden', 'the instructor has turned solutions off in this workshop');
    }
    const scenario = await deps.catalog.get(s.scenarioId);
    const progress = await recorded(s, (scope) => deps.store.recordSolution(s.learnerId, s.scenarioId, scope));
    return json({ files: scenario?.solution ?? [], progress });
  });

  onSession('GET', '/api/sessions/:id/map', 'call', async (_c, s) => {
    if (!deps.reachability) {
      throw new ApiError(501, 'ClusterError', 'the cluster map is not available on this runner yet');
    }
    return json(await deps.reachability.map(s.cluster, s.scenarioId));
  });

  onSession('GET', '/api/sessions/:id/map/stream', 'call', (_c, s) => {
    const watch = deps.reachability?.watch?.bind(deps.reachability);
    if (!watch) throw new ApiError(501, 'ClusterError', 'the cluster map cannot follow changes on this runner');
    const encoder = new TextEncoder();
    let stop = () => {};
    let ping: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        stop = watch(
          s.cluster,
          s.scenarioId,
          (map) => send(`data: ${JSON.stringify(map)}\n\n`),
          () => {
            clearInterval(ping);
            try {
              controller.close();
            } catch {
              // Already closed by the client.
            }
          },
        );
        // A comment now and then, so a vanished client is noticed.
        ping = setInterval(() => send(': ping\n\n'), 15_000);
      },
      cancel() {
        clearInterval(ping);
        stop();
      },
    });
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
  });

  if (deps.workshops) {
    workshopRoutes(on as Parameters<typeof workshopRoutes>[0], {
      ...deps.workshops,
      store: deps.store,
      sessions: deps.sessions,
      catalog: deps.catalog,
    });
  }

  return {
    async request(input, init, connection) {
      const req = typeof input === 'string' ? new Request(new URL(input, 'http://localhost'), init) : input;
      const url = new URL(req.url);
      const cookie = readCookie(req.headers.get('cookie'), LEARNER_COOKIE);
      const known = cookie !== null && LEARNER_ID.test(cookie);
      const learnerId = known ? cookie : `${randomId()}${randomId()}`.slice(0, 24);
      let response: Response;
      try {
        const declared = Number(req.headers.get('content-length') ?? 0);
        if (declared > maxBody) throw tooLarge(maxBody);
        const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
        if (!route) {
          const pathMatches = routes.some((r) => r.pattern.test(url.pathname));
          throw pathMatches
            ? new ApiError(405, 'BadRequest', `${req.method} is not allowed on ${url.pathname}`)
            : notFound(`${url.pathname}`);
        }
        const match = route.pattern.exec(url.pathname)!;
        const params = Object.fromEntries(route.keys.map((key, i) => [key, match[i + 1]!]));
        response = await route.handler({
          req,
          url,
          params,
          learnerId,
          newLearner: !known,
          readBody: (schema) => readBody(req, schema),
          ...(connection?.address ? { address: connection.address } : {}),
        });
      } catch (error) {
        response = toErrorResponse(error);
      }
      if (!known) {
        response.headers.append(
          'set-cookie',
          `${LEARNER_COOKIE}=${learnerId}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict`,
        );
      }
      return response;
    },
  };
}

/** One handler for everything: an ApiError answers for itself, anything else is a logged 500. */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof ApiError) return error.toResponse();
  if (error instanceof ClusterFailure)
    return new ApiError(error.httpStatus, error.code, error.message, { status: error.status }).toResponse();
  if (error instanceof ManifestError)
    return new ApiError(422, 'InvalidYaml', error.message, { position: error.position }).toResponse();
  process.stderr.write(
    `paranoid: internal error: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  return new ApiError(500, 'Internal', 'the runner failed to answer: see its log').toResponse();
}

/** The contract's complaints in one line: each names its field unless its message already does. */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.join('.');
      return !path || issue.message.includes(path) ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

const tooLarge = (max: number) =>
  new ApiError(413, 'PayloadTooLarge', `the request body is larger than ${Math.round(max / 1024)} KiB`);

/** Reads a body, refusing it as soon as it passes `max` bytes rather than after buffering it all. */
async function readLimited(req: Request, max: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concat(chunks, size));
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Reads one cookie's value from a Cookie header, or null when it is absent. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

function isSystemNamespace(namespace: string | undefined): boolean {
  return namespace === 'kube-system' || namespace === 'kube-public' || namespace === 'kube-node-lease';
}

/**
 * Manifests as the learner wrote them, with the scenario's namespaces moved to where the
 * provider put them (the namespace provider gives each learner their own in place of the
 * scenario's `shop`), so the YAML of the steps applies as written.
 */
function intoSessionNamespaces<T extends { metadata?: { namespace?: string } }>(
  manifests: T[],
  namespaces: Record<string, string> | undefined,
): T[] {
  if (!namespaces) return manifests;
  return manifests.map((m) => {
    const ns = m.metadata?.namespace;
    return ns !== undefined && namespaces[ns] ? { ...m, metadata: { ...m.metadata, namespace: namespaces[ns] } } : m;
  });
}
