import type { SignatureFormat } from './replica-auth.ts';
import type { SqlDriver } from './sql-driver.ts';

/** How often a replica says it is alive, and how long its word lasts. */
export const HEARTBEAT_MS = 5_000;
/** Three missed heartbeats: long enough for a busy event loop, short enough that learners are told soon. */
export const LEASE_MS = 3 * HEARTBEAT_MS;

/** One runner process, as the others see it. */
export interface Replica {
  id: string;
  /** `host:port` the other replicas reach it on (the pod IP in a cluster), never a public address. */
  address: string;
  startedAt: number;
  heartbeatAt: number;
  draining: boolean;
  /**
   * The forwarding signature it checks: v2, or v1 for a replica of the previous release during
   * a rolling update (its row has none).
   */
  signature: SignatureFormat;
}

/** A live session in the map, with its owner. */
export interface SessionOwner {
  sessionId: string;
  replicaId: string;
  learnerId: string;
  scenarioId: string;
  workshopId: string | null;
  expiresAt: number;
}

/** A session about to be made, as the map reserves it: who asks, and from where (none for a workshop's member). */
export interface SessionReservation {
  sessionId: string;
  learnerId: string;
  scenarioId: string;
  workshopId: string | null;
  address: string | null;
  createdAt: number;
}

/** The caps that hold across every replica: sessions per learner (the oldest goes) and per address (refused). */
export interface SessionCaps {
  perLearner: number;
  perAddress: number;
}

/** A reservation made (with the learner's sessions to end to stay under their cap), or refused by the address cap. */
export type Reserved =
  | { ok: true; evict: { sessionId: string; replicaId: string; address: string }[] }
  | { ok: false; fromAddress: number };

/** How long a reserved session may take to start before its row lapses (a replica that died mid-start). */
export const RESERVATION_MS = 10 * 60_000;

/**
 * Where a session lives: on a replica that is alive, on one that stopped (its lease ran out:
 * the cluster and shell went with the process), or nowhere the map knows of.
 */
export type Located = { state: 'live'; replica: Replica } | { state: 'lost'; replicaId: string } | { state: 'unknown' };

interface ReplicaRow {
  id: string;
  address: string;
  started_at: number;
  heartbeat_at: number;
  draining: number;
  signature: string | null;
}

const toReplica = (r: ReplicaRow): Replica => ({
  id: r.id,
  address: r.address,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
  draining: r.draining === 1,
  signature: r.signature === 'v2' ? 'v2' : 'v1',
});

/**
 * The map of which replica owns which live session, in the database the replicas share,
 * with a lease per replica: each renews its row every {@link HEARTBEAT_MS}; a row older than
 * {@link LEASE_MS} is a dead replica, whose sessions are lost (their learners are told the
 * lab restarted and their progress is safe). Rows of lost sessions stay until the time they
 * would have ended anyway, so a learner coming back before then still hears why.
 */
export class ReplicaRegistry {
  constructor(
    private readonly db: SqlDriver,
    /** This process. */
    readonly self: { id: string; address: string },
    private readonly now: () => number = Date.now,
    private readonly leaseMs = LEASE_MS,
  ) {}

  /** Adds this replica (or renews it) and takes it out of draining. */
  async register(): Promise<void> {
    const now = this.now();
    await this.db.run(
      `INSERT INTO runner_replicas (id, address, started_at, heartbeat_at, draining, signature) VALUES (?, ?, ?, ?, 0, 'v2')
       ON CONFLICT (id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at,
         signature = excluded.signature`,
      [this.self.id, this.self.address, now, now],
    );
  }

  /** Renews the lease; also removes what dead replicas and ended sessions left. */
  async heartbeat(): Promise<void> {
    const now = this.now();
    const changed = await this.db.run('UPDATE runner_replicas SET heartbeat_at = ? WHERE id = ?', [now, this.self.id]);
    // Reaped while stalled longer than the lease (only possible while we held no session): come back.
    if (changed === 0) await this.register();
    await this.reap();
  }

  /** Stops taking new sessions: the others stop sending creations here. */
  async drain(): Promise<void> {
    await this.db.run('UPDATE runner_replicas SET draining = 1, heartbeat_at = ? WHERE id = ?', [
      this.now(),
      this.self.id,
    ]);
  }

  /** Leaves the map: this replica's sessions have ended. */
  async deregister(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM live_sessions WHERE replica_id = ?', [this.self.id]);
      await tx.run('DELETE FROM runner_replicas WHERE id = ?', [this.self.id]);
    });
  }

  /** Records that this replica holds the session. */
  async claim(s: Omit<SessionOwner, 'replicaId'> & { createdAt: number }): Promise<void> {
    await this.db.run(
      `INSERT INTO live_sessions (id, replica_id, learner_id, scenario_id, workshop_id, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET replica_id = excluded.replica_id, expires_at = excluded.expires_at`,
      [s.sessionId, this.self.id, s.learnerId, s.scenarioId, s.workshopId, s.createdAt, s.expiresAt],
    );
  }

  /**
   * Counts the sessions of the learner and of the address on every live replica and, under
   * the caps, reserves the new one in the map, in one transaction that replicas take one at
   * a time: two replicas admitting the same address at once cannot both take its last seat.
   * A starting session counts as soon as it is reserved. The learner's oldest sessions over
   * their cap leave the map here; the caller ends them on the replicas that hold them.
   */
  async reserve(r: SessionReservation, caps: SessionCaps): Promise<Reserved> {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      // The schema's lock id ("para") and 2: reservations, one at a time across replicas, until commit.
      if (this.db.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(1885434465, 2)');
      const rows = await tx.all<{
        id: string;
        replica_id: string;
        learner_id: string;
        address: string | null;
        replica_address: string;
      }>(
        `SELECT s.id, s.replica_id, s.learner_id, s.address, r.address AS replica_address FROM live_sessions s
         JOIN runner_replicas r ON r.id = s.replica_id
         WHERE r.heartbeat_at >= ? AND s.expires_at >= ? AND (s.learner_id = ? OR s.address = ?)
         ORDER BY s.created_at, s.id`,
        [now - this.leaseMs, now, r.learnerId, r.address],
      );
      const fromAddress = r.address === null ? 0 : rows.filter((row) => row.address === r.address).length;
      if (r.address !== null && fromAddress >= caps.perAddress) return { ok: false, fromAddress };
      const mine = rows.filter((row) => row.learner_id === r.learnerId);
      const evict = mine.slice(0, Math.max(0, mine.length - caps.perLearner + 1));
      for (const old of evict) await tx.run('DELETE FROM live_sessions WHERE id = ?', [old.id]);
      await tx.run(
        `INSERT INTO live_sessions (id, replica_id, learner_id, scenario_id, workshop_id, address, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          r.sessionId,
          this.self.id,
          r.learnerId,
          r.scenarioId,
          r.workshopId,
          r.address,
          r.createdAt,
          now + RESERVATION_MS,
        ],
      );
      return {
        ok: true,
        evict: evict.map((row) => ({ sessionId: row.id, replicaId: row.replica_id, address: row.replica_address })),
      };
    });
  }

  /** The live sessions of a workshop's learner, on every live replica. */
  async sessionsOf(workshopId: string, learnerId: string): Promise<{ sessionId: string; replica: Replica }[]> {
    const rows = await this.db.all<ReplicaRow & { session_id: string }>(
      `SELECT s.id AS session_id, r.id, r.address, r.started_at, r.heartbeat_at, r.draining, r.signature
       FROM live_sessions s JOIN runner_replicas r ON r.id = s.replica_id
       WHERE s.workshop_id = ? AND s.learner_id = ? AND r.heartbeat_at >= ? ORDER BY s.created_at, s.id`,
      [workshopId, learnerId, this.now() - this.leaseMs],
    );
    return rows.map((row) => ({ sessionId: row.session_id, replica: toReplica(row) }));
  }

  async extended(sessionId: string, expiresAt: number): Promise<void> {
    await this.db.run('UPDATE live_sessions SET expires_at = ? WHERE id = ? AND replica_id = ?', [
      expiresAt,
      sessionId,
      this.self.id,
    ]);
  }

  async release(sessionId: string): Promise<void> {
    await this.db.run('DELETE FROM live_sessions WHERE id = ? AND replica_id = ?', [sessionId, this.self.id]);
  }

  /** Where a session lives. */
  async locate(sessionId: string): Promise<Located> {
    const [row] = await this.db.all<ReplicaRow & { replica_id: string }>(
      `SELECT s.replica_id, r.id, r.address, r.started_at, r.heartbeat_at, r.draining, r.signature
       FROM live_sessions s LEFT JOIN runner_replicas r ON r.id = s.replica_id WHERE s.id = ?`,
      [sessionId],
    );
    if (!row) return { state: 'unknown' };
    if (row.id === null || row.id === undefined || !this.alive(row.heartbeat_at)) {
      return { state: 'lost', replicaId: row.replica_id };
    }
    return { state: 'live', replica: toReplica(row) };
  }

  /** Live replicas, this one included. */
  async replicas(): Promise<(Replica & { sessions: number })[]> {
    const rows = await this.db.all<ReplicaRow & { sessions: number }>(
      `SELECT r.id, r.address, r.started_at, r.heartbeat_at, r.draining, r.signature,
              (SELECT COUNT(*) FROM live_sessions s WHERE s.replica_id = r.id) AS sessions
       FROM runner_replicas r ORDER BY r.id`,
    );
    return rows
      .filter((r) => this.alive(r.heartbeat_at))
      .map((r) => ({ ...toReplica(r), sessions: Number(r.sessions) }));
  }

  /** Where new sessions should go when this replica takes none: the live, undrained others, fewest sessions first. */
  async takersOfNewSessions(): Promise<Replica[]> {
    const others = (await this.replicas()).filter((r) => r.id !== this.self.id && !r.draining);
    return others.sort((a, b) => a.sessions - b.sessions);
  }

  /**
   * Removes replicas whose lease ran out and have nothing left in the map, and the rows of
   * sessions past their end. Any replica may run it; it only deletes what is dead already.
   */
  async reap(): Promise<void> {
    const now = this.now();
    await this.db.run('DELETE FROM live_sessions WHERE expires_at < ?', [now]);
    await this.db.run(
      `DELETE FROM runner_replicas WHERE heartbeat_at < ?
       AND NOT EXISTS (SELECT 1 FROM live_sessions s WHERE s.replica_id = runner_replicas.id)`,
      [now - this.leaseMs],
    );
  }

  private alive(heartbeatAt: number | null): boolean {
    return heartbeatAt !== null && heartbeatAt >= this.now() - this.leaseMs;
  }
}
