import { randomInt } from 'node:crypto';
import type { Track } from '@paranoid/api/track.ts';
import type { InstructorWorkshopView, LearnerWorkshopView } from '@paranoid/api/workshops.ts';
import { CreateWorkshopRequest } from '@paranoid/api/workshops.ts';
import { ApiError, badRequest, notFound } from './errors.ts';
import type { ProgressStore, WorkshopRecord } from './progress-store.ts';
import { randomId } from './tokens.ts';

const MINUTE = 60_000;

/**
 * Join codes: 10 symbols from 31 (no 0/O, 1/I/L), about 49 bits, shown as `XXXXX-XXXXX`.
 * With the attempt limits below, guessing one takes longer than any workshop lasts.
 */
export const JOIN_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 10;

/** Makes a random join code of the form `XXXXX-XXXXX` for a new workshop. */
export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += JOIN_ALPHABET[randomInt(JOIN_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What a learner typed, as stored: upper case, dash in the middle, spaces gone. */
export function normalizeJoinCode(input: string): string | null {
  const bare = input.toUpperCase().replace(/[\s-]/g, '');
  if (bare.length !== CODE_LENGTH || [...bare].some((c) => !JOIN_ALPHABET.includes(c))) return null;
  return `${bare.slice(0, 5)}-${bare.slice(5)}`;
}

/** Counts failures in a sliding window; past the limit the key waits. */
export class AttemptLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  blocked(key: string): boolean {
    return this.recent(key).length >= this.limit;
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    this.hits.set(key, list);
    // Bound the map: a flood of fresh keys cannot grow it without end.
    if (this.hits.size > 10_000) {
      for (const k of this.hits.keys()) {
        if (this.recent(k).length === 0) this.hits.delete(k);
        if (this.hits.size <= 5_000) break;
      }
    }
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list;
  }
}

/** What the workshops service needs: the progress store and ways to look up scenarios and tracks. */
export interface WorkshopsOptions {
  store: ProgressStore;
  scenarioExists: (id: string) => Promise<boolean>;
  track: (id: string) => Promise<Track | undefined>;
  now?: () => number;
  /** Failed join attempts allowed per learner per 10 minutes. */
  perLearnerFailures?: number;
  /** Failed join attempts allowed across the runner per minute (cookies are free to drop). */
  globalFailures?: number;
}

type Listener = () => void;

/**
 * Workshops: creation from validated input, joining by code with seats, window and
 * attempt limits, and a tiny in-process hub that tells live rosters something changed.
 */
export class Workshops {
  private readonly now: () => number;
  private readonly perLearner: AttemptLimiter;
  private readonly global: AttemptLimiter;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<Listener>();

  constructor(private readonly options: WorkshopsOptions) {
    this.now = options.now ?? Date.now;
    this.perLearner = new AttemptLimiter(options.perLearnerFailures ?? 10, 10 * MINUTE, this.now);
    this.global = new AttemptLimiter(options.globalFailures ?? 300, MINUTE, this.now);
  }

  get store(): ProgressStore {
    return this.options.store;
  }

  async create(body: unknown): Promise<WorkshopRecord> {
    const parsed = CreateWorkshopRequest.safeParse(body);
    if (!parsed.success) {
      throw badRequest(
        `failed to create the workshop: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      );
    }
    const input = parsed.data;
    if ((input.trackId === undefined) === (input.scenarioIds === undefined)) {
      throw badRequest('failed to create the workshop: give either trackId or scenarioIds, not both or neither');
    }
    let scenarioIds = input.scenarioIds ?? [];
    if (input.trackId !== undefined) {
      const track = await this.options.track(input.trackId);
      if (!track) throw notFound(`track "${input.trackId}"`);
      scenarioIds = track.scenarios.map((s) => s.id);
    }
    scenarioIds = [...new Set(scenarioIds)];
    for (const id of scenarioIds) {
      if (!(await this.options.scenarioExists(id))) throw notFound(`scenario "${id}"`);
    }
    const now = this.now();
    const startsAt = input.startsAt ?? now;
    const endsAt = input.endsAt ?? startsAt + 180 * MINUTE;
    if (endsAt <= startsAt) throw badRequest('failed to create the workshop: endsAt must be after startsAt');
    if (endsAt - startsAt > 14 * 24 * 60 * MINUTE) {
      throw badRequest('failed to create the workshop: the time window is longer than 14 days');
    }
    if (endsAt <= now) throw badRequest('failed to create the workshop: its time window is already over');
    const record: WorkshopRecord = {
      id: `ws${randomId()}`,
      joinCode: newJoinCode(),
      title: input.title,
      trackId: input.trackId ?? null,
      scenarioIds,
      seats: input.seats,
      startsAt,
      endsAt,
      sessionMinutes: input.sessionMinutes,
      solutionsAllowed: input.solutionsAllowed,
      stuckMinutes: input.stuckMinutes,
      createdAt: now,
      endedAt: null,
      broadcast: null,
      broadcastAt: null,
    };
    // A clash of 50-bit codes is rare; try a few times before giving up.
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await this.store.createWorkshop(record);
        this.changed(created.id);
        return created;
      } catch (error) {
        if (attempt >= 3) throw error;
        record.joinCode = newJoinCode();
      }
    }
  }

  /**
   * Joins by code. A wrong code, a malformed one and a limit reached all answer without
   * saying which part was wrong; only the holder of a right code learns that the
   * workshop is full, not open yet, or over.
   */
  async join(learnerId: string, code: unknown, displayName: unknown): Promise<LearnerWorkshopView> {
    const name = typeof displayName === 'string' ? displayName.trim().replace(/\s+/g, ' ') : '';
    if (name.length < 1 || name.length > 40 || /\p{Cc}/u.test(name)) {
      throw badRequest('choose a display name of 1 to 40 characters');
    }
    if (this.perLearner.blocked(learnerId) || this.global.blocked('*')) {
      throw new ApiError(429, 'TooManyAttempts', 'too many join attempts: wait a few minutes and try again');
    }
    const normal = typeof code === 'string' ? normalizeJoinCode(code) : null;
    const w = normal ? await this.store.workshopByCode(normal) : undefined;
    if (!w) {
      this.perLearner.fail(learnerId);
      this.global.fail('*');
      throw new ApiError(404, 'NotFound', 'no open workshop has this code: check it with your instructor');
    }
    const now = this.now();
    if (w.endedAt !== null || now >= w.endsAt) throw new ApiError(410, 'WorkshopClosed', 'this workshop has ended');
    if (now < w.startsAt) {
      throw new ApiError(403, 'WorkshopClosed', `this workshop starts at ${clock(w.startsAt, now)}`);
    }
    const joined = await this.store.join(w.id, learnerId, name);
    if (joined.outcome === 'full') throw new ApiError(409, 'WorkshopFull', 'this workshop is full');
    this.changed(w.id);
    return learnerView(w, joined.member.displayName);
  }

  /** The member's view of a workshop; a learner who has not joined it gets a 403. */
  async forLearner(learnerId: string, workshopId: string): Promise<LearnerWorkshopView> {
    const seat = (await this.store.memberships(learnerId)).find((m) => m.workshopId === workshopId);
    const w = seat ? await this.store.workshop(workshopId) : undefined;
    if (!seat || !w) throw new ApiError(403, 'Forbidden', 'you have not joined this workshop');
    return learnerView(w, seat.displayName);
  }

  /** Workshops the learner sits in that are not over, newest seat first. */
  async current(learnerId: string): Promise<LearnerWorkshopView[]> {
    const out: LearnerWorkshopView[] = [];
    for (const seat of await this.store.memberships(learnerId)) {
      const w = await this.store.workshop(seat.workshopId);
      if (w && w.endedAt === null && this.now() < w.endsAt) out.push(learnerView(w, seat.displayName));
    }
    return out;
  }

  /**
   * The workshop a new session of this learner on this scenario belongs to, and how long
   * it lives: the newest open workshop they sit in that has the scenario.
   */
  async sessionContext(
    learnerId: string,
    scenarioId: string,
  ): Promise<{ workshopId: string; ttlMs: number } | undefined> {
    for (const w of await this.current(learnerId)) {
      if (w.scenarioIds.includes(scenarioId) && this.now() >= w.startsAt) {
        return { workshopId: w.id, ttlMs: w.sessionMinutes * MINUTE };
      }
    }
    return undefined;
  }

  instructorView(w: WorkshopRecord, seatsTaken: number, origin: string): InstructorWorkshopView {
    const now = this.now();
    return {
      ...w,
      joinUrl: `${origin}/join/?code=${encodeURIComponent(w.joinCode)}`,
      instructorUrl: `${origin}/instructor/?workshop=${encodeURIComponent(w.id)}`,
      seatsTaken,
      state: w.endedAt !== null || now >= w.endsAt ? 'ended' : now < w.startsAt ? 'scheduled' : 'open',
    };
  }

  /** Tells the other replicas, when there are some (their rosters recompute too). */
  private publish: ((workshopId: string) => void) | undefined;

  /** Something in this workshop changed: live rosters recompute, here and on the other replicas. */
  changed(workshopId: string): void {
    this.changedElsewhere(workshopId);
    this.publish?.(workshopId);
  }

  /** Another replica changed this workshop: only this process's rosters recompute. */
  changedElsewhere(workshopId: string): void {
    for (const listener of this.listeners.get(workshopId) ?? []) listener();
    for (const listener of this.anyListeners) listener();
  }

  /** Calls `listener` after any workshop changes (created, joined, ended); returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** Where changes are published for the other replicas (replica-notify.ts). */
  publishTo(publish: (workshopId: string) => void): void {
    this.publish = publish;
  }

  subscribe(workshopId: string, listener: Listener): () => void {
    const set = this.listeners.get(workshopId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(workshopId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(workshopId);
    };
  }
}

function learnerView(w: WorkshopRecord, displayName: string): LearnerWorkshopView {
  return {
    id: w.id,
    title: w.title,
    trackId: w.trackId,
    scenarioIds: w.scenarioIds,
    startsAt: w.startsAt,
    endsAt: w.endsAt,
    endedAt: w.endedAt,
    sessionMinutes: w.sessionMinutes,
    solutionsAllowed: w.solutionsAllowed,
    broadcast: w.broadcast !== null && w.broadcastAt !== null ? { message: w.broadcast, at: w.broadcastAt } : null,
    displayName,
  };
}

/** "14:00 UTC", with the date when it is not today. */
function clock(at: number, now: number): string {
  const d = new Date(at);
  const hhmm = d.toISOString().slice(11, 16);
  return d.toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10)
    ? `${hhmm} UTC`
    : `${d.toISOString().slice(0, 10)} ${hhmm} UTC`;
}
