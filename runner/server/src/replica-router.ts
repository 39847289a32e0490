import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiErrorCode } from '@paranoid/api/errors.ts';
import type { SessionView } from '@paranoid/api/sessions.ts';
import { ApiError, unauthorized } from './errors.ts';
import { bodyDigest, CLIENT_HEADER, REPLICA_HEADER, type ReplicaAuth, type SignatureFormat } from './replica-auth.ts';
import { callReplica, forwardHttp, forwardUpgrade } from './replica-forward.ts';
import { HEARTBEAT_MS, type Replica, type ReplicaRegistry } from './replica-registry.ts';
import { type SessionEvents, type SessionManager, sessionEnded, sessionLost } from './sessions.ts';
import { rejectUpgrade, TOKEN_PROTOCOL_PREFIX } from './terminal-socket.ts';

const SESSION_PATH = /^\/api\/sessions\/([A-Za-z0-9._-]+)(?:\/.*)?$/;
/**
 * What one replica asks of another about a session the other holds: end it (its learner went
 * over their cap elsewhere), or an instructor's extend or reset. Answered only under a valid
 * replica signature; from anyone else the path is unknown (404).
 */
const PEER_PATH = /^\/api\/replica\/sessions\/([A-Za-z0-9._-]+)\/(end|extend|reset)$/;

/** What an instructor may do to a learner's session on another replica. */
export type PeerAction = 'extend' | 'reset';

/** A workshop learner's session held by another replica, and the instructor's actions carried to it. */
export interface PeerSession {
  id: string;
  act(action: PeerAction): Promise<SessionView>;
}

/** The sessions of a workshop's learner that other replicas hold (the routes act on this replica's own). */
export interface SessionPeers {
  sessionsOf(workshopId: string, learnerId: string): Promise<PeerSession[]>;
}

/**
 * How a request arrived: from a learner, or forwarded by another replica (then its address is
 * the learner's, and its body was read whole and matched the signature before anything acts on it).
 */
export type Arrival = { forwarded: false } | { forwarded: true; clientAddress: string; body?: Buffer };

/**
 * One runner among several. Sessions live in the process that made them (the simulated
 * cluster and the shell are in its memory), so a request for a session held by another
 * replica is forwarded there, to its internal address, signed with the replicas' shared
 * secret: the API, the terminal's WebSocket and the server-sent event streams alike. The
 * owner checks the session's token itself; forwarding adds no rights. A session whose
 * replica stopped gets "the lab restarted, your progress is safe".
 *
 * Why forwarding and not routing by session at the Ingress: it works behind any Service
 * or Ingress (and behind none), the map is the database's and not a controller's, a
 * replica leaving or joining moves no one else's session, and a draining replica, already
 * out of the Service's endpoints, stays reachable at its pod IP for the sessions it still
 * holds. Cookie affinity at the Ingress remains worth having: most requests then land on
 * the owner and are not forwarded at all.
 */
export class ReplicaRouter {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  /**
   * The live replicas of the previous release (they sign and check v1 only), as the map said at
   * the last heartbeat: only their v1 signatures count, so once every pod is new none does.
   */
  private olderReplicas = new Set<string>();

  constructor(
    private readonly registry: ReplicaRegistry,
    private readonly auth: ReplicaAuth,
    private readonly sessions: SessionManager,
    /** The largest body a request may carry (the app's bound): a forwarded one is read whole, up to this. */
    private readonly maxBodyBytes: number,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** Keeps the map current as sessions begin, are extended and end. */
  readonly events: SessionEvents = {
    created: (s) =>
      this.registry.claim({
        sessionId: s.id,
        learnerId: s.learnerId,
        scenarioId: s.scenarioId,
        workshopId: s.workshopId ?? null,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
      }),
    extended: (s) => this.track('record an extension', this.registry.extended(s.id, s.expiresAt)),
    ended: (id) => this.track('release a session', this.registry.release(id)),
    reserve: async (r, caps) => {
      const verdict = await this.registry.reserve(r, caps);
      if (!verdict.ok) return verdict;
      return {
        ok: true,
        evict: verdict.evict.map((e) => ({
          id: e.sessionId,
          endElsewhere: async () => {
            const answer = await this.ask(e.address, e.sessionId, 'end');
            // Gone already, or its replica unreachable (then it ends at its TTL): the new session goes ahead.
            if (answer === 'unreachable' || answer.status >= 400) {
              this.log(`failed to end session ${e.sessionId} on replica ${e.replicaId}: its learner is over their cap`);
            }
          },
        })),
      };
    },
  };

  /** The instructor's reach into the sessions other replicas hold. */
  readonly peers: SessionPeers = {
    sessionsOf: async (workshopId, learnerId) => {
      const rows = await this.registry.sessionsOf(workshopId, learnerId);
      return rows
        .filter((row) => !this.sessions.has(row.sessionId))
        .map((row) => ({
          id: row.sessionId,
          act: async (action) => {
            const answer = await this.ask(row.replica.address, row.sessionId, action);
            if (answer === 'unreachable') throw sessionLost();
            if (answer.status !== 200) {
              const parsed = ApiErrorCode.safeParse((answer.body as { error?: { code?: unknown } }).error?.code);
              const text = (answer.body as { error?: { message?: unknown } }).error?.message;
              throw new ApiError(
                answer.status,
                parsed.success ? parsed.data : 'ClusterError',
                typeof text === 'string'
                  ? text
                  : `failed to ${action} the session: its replica answered ${answer.status}`,
              );
            }
            return (answer.body as { session: SessionView }).session;
          },
        }));
    },
  };

  /** Sends one of {@link PEER_PATH}'s requests to the replica at `address`, signed. */
  private ask(address: string, sessionId: string, action: 'end' | PeerAction) {
    const path = `/api/replica/sessions/${encodeURIComponent(sessionId)}/${action}`;
    const signed = this.auth.sign(this.registry.self.id, {
      method: 'POST',
      path,
      clientAddress: 'replica',
      bodyDigest: bodyDigest(),
    });
    return callReplica(address, 'POST', path, signed);
  }

  /** Answers another replica's {@link PEER_PATH} request about a session this one holds. */
  private async answerPeer(res: ServerResponse, id: string, action: string): Promise<true> {
    const session = this.sessions.held(id);
    if (!session) return answer(res, sessionEnded());
    try {
      if (action === 'end') {
        await this.sessions.delete(id);
        res.writeHead(204).end();
        return true;
      }
      const changed = action === 'extend' ? this.sessions.extend(session) : await this.sessions.reset(session);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ session: this.sessions.view(changed) }));
      return true;
    } catch (error) {
      return answer(res, error instanceof ApiError ? error : new ApiError(500, 'Internal', message(error)));
    }
  }

  /** Joins the map and renews the lease every few seconds; reads which live replicas are of the previous release. */
  async start(heartbeatMs = HEARTBEAT_MS): Promise<void> {
    await this.registry.register();
    await this.readOlderReplicas();
    this.timer = setInterval(() => {
      this.track('renew the lease', this.registry.heartbeat());
      this.track('read the replicas', this.readOlderReplicas());
    }, heartbeatMs);
    this.timer.unref();
  }

  private async readOlderReplicas(): Promise<void> {
    const live = await this.registry.replicas();
    this.olderReplicas = new Set(live.filter((r) => r.signature === 'v1').map((r) => r.id));
  }

  /** The ids of the live replicas in the map, this one included. */
  async liveReplicaIds(): Promise<string[]> {
    return (await this.registry.replicas()).map((r) => r.id);
  }

  /** The others stop sending new sessions here. */
  async drain(): Promise<void> {
    await this.registry.drain();
  }

  /** Leaves the map, once the map's pending writes are done. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    await this.registry.deregister().catch((error) => this.log(`failed to leave the replica map: ${message(error)}`));
  }

  /**
   * Reads the replica signature a request may carry. A request without one is a learner's;
   * one with a signature that does not verify is refused (403), never taken for a learner's.
   * A signed request's body is read here, whole and bounded, and its digest must be the one
   * signed: a body changed on the way (or swapped under a captured header) is refused too.
   */
  async arrival(req: IncomingMessage): Promise<Arrival | ApiError> {
    const header = req.headers[REPLICA_HEADER];
    if (header === undefined) return { forwarded: false };
    let body: Buffer | undefined;
    // A GET that declares a body has it read too, so its digest is the real one, not the empty one signed.
    if (carriesBody(req) || declaresBody(req)) {
      body = await readBody(req, this.maxBodyBytes);
      if (body === undefined) return tooLarge();
    }
    return this.verify(req, String(header), body);
  }

  /** The same for a WebSocket upgrade, which has no body. */
  upgradeArrival(req: IncomingMessage): Arrival | ApiError {
    const header = req.headers[REPLICA_HEADER];
    if (header === undefined) return { forwarded: false };
    return this.verify(req, String(header), undefined);
  }

  private verify(req: IncomingMessage, header: string, body: Buffer | undefined): Arrival | ApiError {
    const verdict = this.auth.verify(header, {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      clientAddress: req.headers[CLIENT_HEADER] as string | undefined,
      bodyDigest: bodyDigest(body),
    });
    const forged = () =>
      new ApiError(403, 'Forbidden', `the ${REPLICA_HEADER} header is for the runner's replicas only`);
    // A v1 signature does not cover a body: one on a request that declares a body (Content-Length
    // or chunked, even on a GET, even empty) is taken as one on a POST, never acted on.
    const unvouchedBody =
      verdict.ok && verdict.format === 'v1' && declaresBody(req) ? { olderReplica: verdict.from } : undefined;
    if (!verdict.ok || unvouchedBody) {
      const olderReplica = unvouchedBody?.olderReplica ?? (verdict.ok ? undefined : verdict.olderReplica);
      // A replica of the previous release forwarded a request with a body, which its v1 signature
      // does not cover: not forged, but not to be acted on. Its learner tries again, and lands on
      // a new replica (which forwards with v2) more often as the rollout goes on.
      if (olderReplica !== undefined && this.olderReplicas.has(olderReplica)) {
        return new ApiError(
          503,
          'Draining',
          'the lab is being updated and this request went through a runner of the previous version: try again in a moment',
          {},
          2,
        );
      }
      return forged();
    }
    if (verdict.format === 'v1' && !this.olderReplicas.has(verdict.from)) return forged();
    return { forwarded: true, clientAddress: verdict.clientAddress, ...(body ? { body } : {}) };
  }

  /** Answers or forwards an HTTP request that is not this replica's to serve; false leaves it to the app. */
  async http(req: IncomingMessage, res: ServerResponse, arrival: Arrival): Promise<boolean> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const peer = PEER_PATH.exec(path);
    if (arrival.forwarded && peer && req.method === 'POST') return this.answerPeer(res, peer[1]!, peer[2]!);
    if (arrival.forwarded) return false;
    if (path === '/api/sessions' && req.method === 'POST' && this.sessions.draining !== undefined) {
      return this.handOver(req, res);
    }
    const id = SESSION_PATH.exec(path)?.[1];
    if (!id || id === 'starting' || this.sessions.has(id)) return false;
    const bearer = /^Bearer \S/.test(req.headers.authorization ?? '');
    const where = await this.locate(id);
    if (where === 'local') return false;
    if (!bearer) return answer(res, unauthorized());
    if (where instanceof ApiError) return answer(res, where);
    // Read whole (bounded as the owner bounds it) so the signature covers the very bytes sent.
    const body = carriesBody(req) ? await readBody(req, this.maxBodyBytes) : Buffer.alloc(0);
    if (body === undefined) return answer(res, tooLarge());
    const outcome = await forwardHttp(req, res, where.address, this.sign(req, body, where.signature), body);
    return outcome === 'forwarded' || answer(res, sessionLost());
  }

  /**
   * A replica on its way out hands a new session to one that stays, so the learner never sees
   * the drain: to the live replica holding fewest, or the next if that one has just died.
   */
  private async handOver(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const takers = await this.registry.takersOfNewSessions().catch(() => []);
    if (takers.length === 0) return false;
    const body = await readBody(req, MAX_START_BODY_BYTES);
    if (body === undefined) {
      return answer(res, new ApiError(413, 'PayloadTooLarge', 'the request body is larger than a Start needs'));
    }
    for (const taker of takers) {
      const signed = this.sign(req, body, taker.signature);
      if ((await forwardHttp(req, res, taker.address, signed, body)) === 'forwarded') return true;
    }
    return answer(
      res,
      new ApiError(
        503,
        'Draining',
        'this runner is stopping for an update and no other runner answers: try again in a moment',
        {},
        5,
      ),
    );
  }

  /** The same for a WebSocket upgrade (the terminal). */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, arrival: Arrival): Promise<boolean> {
    if (arrival.forwarded) return false;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const id = SESSION_PATH.exec(path)?.[1];
    if (!id || this.sessions.has(id)) return false;
    const where = await this.locate(id);
    if (where === 'local') return false;
    const token = String(req.headers['sec-websocket-protocol'] ?? '').includes(TOKEN_PROTOCOL_PREFIX);
    const refuse = (error: ApiError) => {
      rejectUpgrade(socket, error.status, error.message);
      return true;
    };
    if (!token) return refuse(unauthorized());
    if (where instanceof ApiError) return refuse(where);
    const outcome = await forwardUpgrade(req, socket, head, where.address, this.sign(req, undefined, where.signature));
    return outcome === 'forwarded' || refuse(sessionLost());
  }

  /**
   * The owner, `local` when this replica should answer itself, or the answer for a session
   * no replica holds: lost with its replica, or ended (its row went with it).
   */
  private async locate(id: string): Promise<Replica | 'local' | ApiError> {
    let located: Awaited<ReturnType<ReplicaRegistry['locate']>>;
    try {
      located = await this.registry.locate(id);
    } catch (error) {
      this.log(`failed to find the replica of session ${id}: ${message(error)}`);
      return new ApiError(503, 'ClusterUnavailable', 'the lab cannot find your session right now: try again', {}, 5);
    }
    if (located.state === 'live') return located.replica.id === this.registry.self.id ? 'local' : located.replica;
    if (located.state === 'lost') return sessionLost();
    // No row: it ended. A session of this process that ended answers the same from the app.
    return sessionEnded();
  }

  /** Signs a forward in the format the receiving replica checks: v2, or v1 for one of the previous release. */
  private sign(req: IncomingMessage, body: Buffer | undefined, format: SignatureFormat): Record<string, string> {
    return this.auth.sign(
      this.registry.self.id,
      {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        clientAddress: req.socket.remoteAddress ?? 'unknown',
        bodyDigest: bodyDigest(body),
      },
      format,
    );
  }

  private track(what: string, work: Promise<unknown>): void {
    const tracked = work.catch((error) => this.log(`failed to ${what} in the replica map: ${message(error)}`));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}

function answer(res: ServerResponse, error: ApiError): true {
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(error.retryAfterSeconds ? { 'retry-after': String(Math.ceil(error.retryAfterSeconds)) } : {}),
  });
  res.end(JSON.stringify(error.toJSON()));
  return true;
}

const tooLarge = () => new ApiError(413, 'PayloadTooLarge', 'the request body is too large');

/** GET and HEAD carry no body the app reads: theirs is signed as empty and never read. */
const carriesBody = (req: IncomingMessage) => req.method !== 'GET' && req.method !== 'HEAD';

/** Whether the request's framing says a body follows: chunked, or a Content-Length other than 0. */
const declaresBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/** A Start's body is `{"scenarioId": ...}`: a few dozen bytes. */
const MAX_START_BODY_BYTES = 16 * 1024;

/** The whole body, or undefined past `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
