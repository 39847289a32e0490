import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionView, StartingView } from '@paranoid/api/sessions.ts';
import { ClusterClient } from '@paranoid/kube/cluster-client.ts';
import type { ClusterHandle, ClusterProvider } from '@paranoid/providers/provider.ts';
import { ApiError, unauthorized } from './errors.ts';
import { learnerKubeconfig } from './learner-kubeconfig.ts';
import type { SessionCaps, SessionReservation } from './replica-registry.ts';
import { bashrc, localShellCommand, type SandboxFiles } from './sandbox.ts';
import type { SandboxHost } from './sandbox-host.ts';
import { type LearnerShell, Terminal, type TerminalSize } from './terminal.ts';
import { randomId, randomToken, sameToken } from './tokens.ts';
import { type RemoteShell, ToolboxTerminal } from './toolbox-terminal.ts';

/**
 * How the runner offers terminals: `sandbox` (bubblewrap on this host, for the
 * simulated cluster), `toolbox` (an exec into the session's own container on the
 * kind network), `local` (an unsandboxed shell, for one user on their own
 * machine), or `off` with the reason.
 */
export type TerminalMode =
  | { kind: 'sandbox'; host: SandboxHost }
  | { kind: 'toolbox'; open(cluster: ClusterHandle, size: TerminalSize): Promise<RemoteShell> }
  | { kind: 'local' }
  | { kind: 'off'; reason: string };

/** What the session manager needs: the cluster provider, a private work directory and the session bounds. */
export interface SessionManagerOptions {
  provider: ClusterProvider;
  /** Private session directories (kubeconfig, rc file) are made under here. */
  workDir: string;
  terminals: TerminalMode;
  /** Life of a session, renewed by extend(). */
  ttlMs?: number;
  /** No session lives longer than this, however often it is extended. */
  maxLifeMs?: number;
  maxSessionsPerLearner?: number;
  maxSessions?: number;
  /**
   * Most sessions live or starting from one client address: a learner who drops their
   * cookie is still one address. Raise it behind a proxy that gives every learner one address.
   */
  maxSessionsPerAddress?: number;
  /** Session creations allowed per minute, per client address and per learner cookie. */
  createsPerMinute?: { perAddress: number; perLearner: number };
  now?: () => number;
  /**
   * Told when a session begins, is extended and ends: the replica registry keeps the map of
   * which replica owns which session. `created` is awaited, so a session is in the map before
   * its learner hears of it; a failure there ends the session and answers 503.
   */
  events?: SessionEvents;
}

/** Hooks the session manager calls as sessions start, get more time and end (progress and workshops listen). */
export interface SessionEvents {
  created(session: Session): Promise<void>;
  extended(session: Session): void;
  ended(id: string): void;
  /**
   * With replicas, the per-learner and per-address caps count every replica's sessions: this
   * reserves the new session in the shared map under those caps, atomically, before its
   * cluster is made, and names the learner's oldest sessions to end (on whichever replica).
   */
  reserve?(
    r: SessionReservation,
    caps: SessionCaps,
  ): Promise<{ ok: true; evict: EvictedSession[] } | { ok: false; fromAddress: number }>;
}

/** A learner's session to end to keep them under their cap, and how to end it where it runs. */
export interface EvictedSession {
  id: string;
  /** Ends it on the replica that holds it (used when this one does not). */
  endElsewhere(): Promise<void>;
}

/** Who asks for a session: the learner's cookie and the address the request came from. */
export interface Requester {
  learnerId: string;
  /** The TCP peer address; absent in tests that call the app directly. */
  address?: string;
}

/** One learner playing one scenario on one cluster. */
export interface Session {
  readonly id: string;
  readonly token: string;
  readonly learnerId: string;
  /** The client address that asked for it, counted against the per-address cap. */
  readonly address?: string;
  readonly scenarioId: string;
  /** The workshop this session counts for, when the learner sits in one that has the scenario. */
  readonly workshopId?: string;
  /** Life given by create() and each extend(); the manager's default unless a workshop set one. */
  readonly ttlMs: number;
  readonly createdAt: number;
  expiresAt: number;
  cluster: ClusterHandle;
  client: ClusterClient;
  dir: string;
  files: SandboxFiles;
  terminal: LearnerShell | null;
}

const MINUTE = 60_000;

/**
 * Creates, finds and ends sessions. Each has its own random id and token, its own
 * cluster from the provider and its own terminal; expiry (TTL) and deletion end all
 * of them and remove the session's files.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Clusters in the making, by learner: a kind cluster takes 15-60 s cold. */
  private readonly starting = new Map<string, Map<string, StartingView>>();
  private readonly ttlMs: number;
  private readonly maxLifeMs: number;
  private readonly now: () => number;
  /** Slots taken by sessions whose cluster is still being made, so the cap counts them. */
  private readonly pending: Requester[] = [];
  private readonly creations = { byAddress: new Map<string, number[]>(), byLearner: new Map<string, number[]>() };
  /**
   * Starts every session id of this run: an id without it was made before a restart,
   * and its learner is told so (their progress is on disk, only the cluster is gone).
   */
  private readonly boot = randomId().slice(0, 4);
  /** Set by drain(): no new session, no extension; live ones run to their end. */
  private drainReason: string | undefined;
  private readonly emptied: (() => void)[] = [];

  constructor(private readonly options: SessionManagerOptions) {
    this.ttlMs = options.ttlMs ?? 45 * MINUTE;
    this.maxLifeMs = options.maxLifeMs ?? 4 * 60 * MINUTE;
    this.now = options.now ?? Date.now;
    mkdirSync(options.workDir, { recursive: true, mode: 0o700 });
    chmodSync(options.workDir, 0o700);
  }

  get terminalMode(): TerminalMode {
    return this.options.terminals;
  }

  /**
   * A new session for `who`. The slot is reserved before the first await, so concurrent
   * requests cannot overshoot the caps; refusals say when to come back (`Retry-After`).
   */
  async create(
    who: string | Requester,
    scenarioId: string,
    options: { ttlMs?: number; workshopId?: string } = {},
  ): Promise<Session> {
    const asked = typeof who === 'string' ? { learnerId: who } : who;
    // A workshop member's session is bounded by the workshop's seats, not counted by address (see admit).
    const requester: Requester = options.workshopId ? { learnerId: asked.learnerId } : asked;
    const { learnerId } = requester;
    this.admit(requester);
    const reservation = { ...requester };
    this.pending.push(reservation);
    const id = `${this.boot}${randomId()}`;
    const events = this.options.events;
    let reserved = false;
    let cluster: ClusterHandle;
    try {
      const cap = this.options.maxSessionsPerLearner ?? 3;
      let evict: EvictedSession[];
      if (events?.reserve) {
        const perAddress = this.options.maxSessionsPerAddress ?? 16;
        const verdict = await events.reserve(
          {
            sessionId: id,
            learnerId,
            scenarioId,
            workshopId: options.workshopId ?? null,
            address: requester.address ?? null,
            createdAt: this.now(),
          },
          { perLearner: cap, perAddress },
        );
        if (!verdict.ok) throw tooMany(`${perAddress} sessions are already open from your address: end one first`, 60);
        reserved = true;
        evict = verdict.evict;
      } else {
        const mine = [...this.sessions.values()].filter((s) => s.learnerId === learnerId);
        evict = mine
          .sort((a, b) => a.createdAt - b.createdAt)
          .slice(0, Math.max(0, mine.length - cap + 1))
          .map((s) => ({ id: s.id, endElsewhere: async () => undefined }));
      }
      // A learner who opens too many sessions loses the oldest, not the new one, wherever it runs.
      for (const old of evict) {
        if (this.sessions.has(old.id)) await this.delete(old.id);
        else await old.endElsewhere();
      }
      cluster = await this.createCluster(id, scenarioId, learnerId);
    } catch (error) {
      this.pending.splice(this.pending.indexOf(reservation), 1);
      if (reserved) events?.ended(id);
      this.checkEmpty();
      throw error;
    }
    // Released only now, with the session about to be in the map, so a drain never sees it as empty.
    this.pending.splice(this.pending.indexOf(reservation), 1);
    const dir = mkdtempSync(join(this.options.workDir, 'session-'));
    const now = this.now();
    const ttlMs = options.ttlMs ?? this.ttlMs;
    const session: Session = {
      id,
      token: randomToken(),
      learnerId,
      ...(requester.address ? { address: requester.address } : {}),
      scenarioId,
      ...(options.workshopId ? { workshopId: options.workshopId } : {}),
      ttlMs,
      createdAt: now,
      expiresAt: now + ttlMs,
      cluster,
      // What the learner works with has the learner's rights: on the namespace provider, less than the runner's.
      client: new ClusterClient(learnerKubeconfig(cluster)),
      dir,
      files: writeSessionFiles(dir, scenarioId, learnerKubeconfig(cluster)),
      terminal: null,
    };
    this.sessions.set(id, session);
    this.schedule(session);
    if (this.options.events) {
      try {
        await this.options.events.created(session);
      } catch (error) {
        await this.delete(id);
        const cause = error instanceof Error ? error.message : String(error);
        throw new ApiError(503, 'ClusterUnavailable', `failed to record your session: ${cause}: try again`, {}, 10);
      }
    }
    // Started now so the prompt is already there when the browser's socket arrives.
    this.startTerminal(session, { cols: 100, rows: 30 });
    return session;
  }

  /**
   * The session, if `token` is its own. A wrong token and an unknown id answer alike
   * (404, "this session has ended"), so ids cannot be probed; no token at all is a 401.
   */
  authorize(id: string, token: string | null | undefined): Session {
    if (!token) throw unauthorized();
    const session = this.sessions.get(id);
    // Compare even when the id is unknown, so both paths take the same time.
    const ok = sameToken(token, session?.token ?? 'x'.repeat(43)) && session !== undefined;
    if (!ok || !session) {
      if (!id.startsWith(this.boot) && /^[a-z0-9]{16}$/.test(id)) throw sessionLost();
      throw sessionEnded();
    }
    return session;
  }

  /** The session this process holds under `id`, for what replicas ask of each other (no token: they signed). */
  held(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Whether this process holds the session (whatever the token). */
  has(id: string): boolean {
    return this.sessions.has(id);
  }

  /**
   * Stops taking sessions and extensions, with the reason refusals give; live sessions run
   * on to their end. Resolves once none is left.
   */
  drain(reason: string): Promise<void> {
    this.drainReason = reason;
    return new Promise((resolve) => {
      if (this.sessions.size === 0 && this.pending.length === 0) resolve();
      else this.emptied.push(resolve);
    });
  }

  /** Why this runner takes no new session, when it is draining. */
  get draining(): string | undefined {
    return this.drainReason;
  }

  /**
   * Refuses a creation over a cap or a rate, with the seconds to wait; records it otherwise.
   * A workshop member's request comes without an address: a room behind one NAT is one
   * address, and its sessions are bounded by the seats the instructor gave instead.
   */
  private admit({ learnerId, address }: Requester): void {
    const now = this.now();
    if (this.drainReason !== undefined) {
      throw new ApiError(503, 'Draining', `${this.drainReason}: start the scenario again in a moment`, {}, 5);
    }
    const max = this.options.maxSessions ?? 64;
    if (this.sessions.size + this.pending.length >= max) {
      const soonest = Math.min(...[...this.sessions.values()].map((s) => s.expiresAt));
      const wait = Number.isFinite(soonest) ? Math.min(Math.max((soonest - now) / 1000, 30), 15 * 60) : 60;
      throw new ApiError(
        503,
        'TooManySessions',
        `the lab is full right now (${max} sessions): try again in ${Math.ceil(wait / 60)} minute(s)`,
        {},
        wait,
      );
    }
    const pendingMine = this.pending.filter((p) => p.learnerId === learnerId).length;
    if (pendingMine >= (this.options.maxSessionsPerLearner ?? 3)) {
      throw tooMany('your other sessions are still starting: wait for them', 10);
    }
    if (address !== undefined) {
      const cap = this.options.maxSessionsPerAddress ?? 16;
      const fromThere =
        [...this.sessions.values()].filter((s) => s.address === address).length +
        this.pending.filter((p) => p.address === address).length;
      if (fromThere >= cap) {
        throw tooMany(`${cap} sessions are already open from your address: end one first`, 60);
      }
    }
    const rate = this.options.createsPerMinute ?? { perAddress: 30, perLearner: 10 };
    const windows: [Map<string, number[]>, string | undefined, number][] = [
      [this.creations.byAddress, address, rate.perAddress],
      [this.creations.byLearner, learnerId, rate.perLearner],
    ];
    for (const [map, key, limit] of windows) {
      if (key === undefined) continue;
      const recent = (map.get(key) ?? []).filter((t) => t > now - MINUTE);
      if (recent.length >= limit) {
        throw tooMany('too many sessions started in the last minute', (recent[0]! + MINUTE - now) / 1000);
      }
    }
    for (const [map, key] of windows) {
      if (key === undefined) continue;
      const recent = (map.get(key) ?? []).filter((t) => t > now - MINUTE);
      recent.push(now);
      map.set(key, recent);
      // Forget quiet clients, so the windows cannot grow without bound.
      if (map.size > 4096) for (const [k, v] of map) if (v.every((t) => t <= now - MINUTE)) map.delete(k);
    }
  }

  /** A fresh cluster and shell for the same session: the scenario from its start. */
  async reset(session: Session): Promise<Session> {
    session.terminal?.kill();
    session.terminal = null;
    await this.options.provider.delete(session.cluster.id).catch(() => undefined);
    session.cluster = await this.createCluster(session.id, session.scenarioId);
    session.client = new ClusterClient(learnerKubeconfig(session.cluster));
    writeFileSync(session.files.kubeconfig, learnerKubeconfig(session.cluster), { mode: 0o600 });
    this.startTerminal(session, { cols: 100, rows: 30 });
    return session;
  }

  /** Adds one session length to the time left, up to the longest life a session may have. */
  extend(session: Session): Session {
    if (this.drainReason !== undefined) {
      throw new ApiError(
        409,
        'BadRequest',
        `${this.drainReason}, so this session cannot be extended; it runs to its end and your progress is safe`,
      );
    }
    session.expiresAt = Math.min(session.expiresAt + session.ttlMs, session.createdAt + this.maxLifeMs);
    this.schedule(session);
    this.options.events?.extended(session);
    return session;
  }

  /** Ends a session: its terminal, its cluster, its files. Idempotent. */
  async delete(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    session.terminal?.kill();
    rmSync(session.dir, { recursive: true, force: true });
    this.options.events?.ended(id);
    await this.options.provider.delete(session.cluster.id).catch(() => undefined);
    this.checkEmpty();
  }

  private checkEmpty(): void {
    if (this.sessions.size > 0 || this.pending.length > 0) return;
    for (const resolve of this.emptied.splice(0)) resolve();
  }

  /** The session's shell, started (again) if it is not running. */
  terminal(session: Session, size: TerminalSize): LearnerShell {
    if (session.terminal?.alive) return session.terminal;
    const terminal = this.startTerminal(session, size);
    if (!terminal) {
      const mode = this.options.terminals;
      throw new ApiError(503, 'TerminalUnavailable', mode.kind === 'off' ? mode.reason : 'the terminal did not start');
    }
    return terminal;
  }

  view(session: Session): SessionView {
    const mode = this.options.terminals;
    return {
      id: session.id,
      scenarioId: session.scenarioId,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      secondsLeft: Math.max(0, Math.round((session.expiresAt - this.now()) / 1000)),
      maxSecondsLeft: Math.max(0, Math.round((session.createdAt + this.maxLifeMs - this.now()) / 1000)),
      extendSeconds: Math.round(this.ttlMs / 1000),
      maxLifeSeconds: Math.round(this.maxLifeMs / 1000),
      terminal:
        mode.kind === 'off'
          ? { available: false, sandboxed: false, reason: mode.reason }
          : { available: true, sandboxed: mode.kind === 'sandbox' || mode.kind === 'toolbox' },
    };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Live sessions, for rosters and instructor actions; `workshopId` narrows to one workshop's. */
  list(workshopId?: string): Session[] {
    return [...this.sessions.values()].filter((s) => workshopId === undefined || s.workshopId === workshopId);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.delete(id)));
  }

  /**
   * A cluster from the provider. Its failures (Docker stopped, kind missing, the
   * cluster limit reached) reach the learner as what went wrong, not as a 500.
   */
  private async createCluster(sessionId: string, scenarioId: string, learnerId?: string): Promise<ClusterHandle> {
    const mine = learnerId ? (this.starting.get(learnerId) ?? new Map<string, StartingView>()) : undefined;
    if (learnerId && mine) this.starting.set(learnerId, mine);
    const view: StartingView = { scenarioId, step: 'queued', fraction: 0, startedAt: this.now() };
    mine?.set(sessionId, view);
    try {
      return await this.options.provider.create({
        sessionId,
        scenarioId,
        onProgress: (u) => {
          view.step = u.step;
          view.fraction = u.fraction;
        },
      });
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      throw new ApiError(503, 'ClusterUnavailable', `could not create your cluster: ${cause}`);
    } finally {
      mine?.delete(sessionId);
      if (learnerId && mine?.size === 0) this.starting.delete(learnerId);
    }
  }

  /** The learner's clusters still being made, with the step each is on. */
  startingFor(learnerId: string): StartingView[] {
    return [...(this.starting.get(learnerId)?.values() ?? [])].map((v) => ({ ...v }));
  }

  private startTerminal(session: Session, size: TerminalSize): LearnerShell | null {
    const mode = this.options.terminals;
    if (mode.kind === 'off') return null;
    if (mode.kind === 'toolbox') {
      const cluster = session.cluster;
      session.terminal = new ToolboxTerminal((s) => mode.open(cluster, s), size);
      return session.terminal;
    }
    session.terminal =
      mode.kind === 'sandbox'
        ? mode.host.open({ id: session.id, dir: session.dir, files: session.files, cluster: session.cluster }, size)
        : new Terminal(localShellCommand(session.files), size);
    return session.terminal;
  }

  private schedule(session: Session): void {
    clearTimeout(this.timers.get(session.id));
    const timer = setTimeout(
      () => {
        void this.delete(session.id);
      },
      Math.max(0, session.expiresAt - this.now()),
    );
    timer.unref();
    this.timers.set(session.id, timer);
  }
}

/** A session of a runner process that is gone (restarted, killed, or lost with its node). */
export const sessionLost = () =>
  new ApiError(
    404,
    'SessionExpired',
    'the lab restarted, so this session and its cluster are gone; your progress is safe: start the scenario again',
  );

/** A session that ended: expired, deleted, or never existed (the same answer, so ids cannot be probed). */
export const sessionEnded = () =>
  new ApiError(
    404,
    'SessionExpired',
    'this session has ended (it expired, was deleted, or the runner restarted): start it again',
  );

const tooMany = (message: string, seconds: number) =>
  new ApiError(429, 'TooManyRequests', `${message}: try again in ${Math.ceil(seconds)} s`, {}, seconds);

function writeSessionFiles(dir: string, scenarioId: string, kubeconfig: string): SandboxFiles {
  chmodSync(dir, 0o700);
  const files: SandboxFiles = {
    kubeconfig: join(dir, 'kubeconfig'),
    bashrc: join(dir, 'bashrc'),
    passwd: join(dir, 'passwd'),
    group: join(dir, 'group'),
  };
  writeFileSync(files.kubeconfig, kubeconfig, { mode: 0o600 });
  writeFileSync(files.bashrc, bashrc(scenarioId), { mode: 0o600 });
  writeFileSync(files.passwd, 'learner:x:1000:1000:Learner:/home/learner:/usr/bin/bash\n', { mode: 0o644 });
  writeFileSync(files.group, 'learner:x:1000:\n', { mode: 0o644 });
  return files;
}
