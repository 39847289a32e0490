/**
 * Tracks, workshops and the instructor's API, as the browser sees them. Types mirror
 * runner/src/server/{workshops,roster}.ts; the runner is the authority.
 */
import { ApiFailure, call, readEvents } from './api.ts';

export interface LearnerWorkshop {
  id: string;
  title: string;
  trackId: string | null;
  scenarioIds: string[];
  startsAt: number;
  endsAt: number;
  endedAt: number | null;
  sessionMinutes: number;
  solutionsAllowed: boolean;
  broadcast: { message: string; at: number } | null;
  displayName: string;
}

export interface InstructorWorkshop extends Omit<LearnerWorkshop, 'broadcast' | 'displayName'> {
  joinCode: string;
  joinUrl: string;
  instructorUrl: string;
  seats: number;
  seatsTaken: number;
  stuckMinutes: number;
  broadcast: string | null;
  broadcastAt: number | null;
  state: 'scheduled' | 'open' | 'ended';
}

export interface RosterLearner {
  learnerId: string;
  displayName: string;
  joinedAt: number;
  current: {
    scenarioId: string;
    title: string;
    step: { index: number; count: number; title: string } | null;
    checksPassed: number;
    checksTotal: number;
    completed: boolean;
  } | null;
  completed: number;
  hintsRevealed: number;
  solutionsRevealed: number;
  timeSpentMs: number;
  lastActivityAt: number;
  live: boolean;
  stuck: boolean;
}

export interface Roster {
  workshopId: string;
  generatedAt: number;
  learners: RosterLearner[];
  scenarios: {
    scenarioId: string;
    title: string;
    notStarted: number;
    inProgress: number;
    completed: number;
    stuck: number;
  }[];
}

/** Where the instructor token is kept: this tab only, and gone when it closes. */
const TOKEN_KEY = 'paranoid.instructorToken';
export const instructorToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export const learnerApi = {
  join: (code: string, displayName: string) =>
    call<{ workshop: LearnerWorkshop }>('/api/join', { body: { code, displayName } }),
  mine: () => call<{ workshops: LearnerWorkshop[] }>('/api/me/workshops'),
  workshop: (id: string) => call<{ workshop: LearnerWorkshop }>(`/api/me/workshops/${encodeURIComponent(id)}`),
};

export const instructorApi = (token: string) => ({
  check: () => call<{ instructor: true }>('/api/instructor', { token }),
  list: () => call<{ workshops: InstructorWorkshop[] }>('/api/workshops', { token }),
  create: (body: Record<string, unknown>) => call<{ workshop: InstructorWorkshop }>('/api/workshops', { body, token }),
  end: (id: string) => call<{ workshop: InstructorWorkshop }>(`/api/workshops/${id}/end`, { body: {}, token }),
  broadcast: (id: string, message: string | null) =>
    call<{ workshop: InstructorWorkshop }>(`/api/workshops/${id}/broadcast`, { body: { message }, token }),
  extend: (id: string, learner: string) =>
    call<unknown>(`/api/workshops/${id}/learners/${learner}/extend`, { body: {}, token }),
  reset: (id: string, learner: string) =>
    call<unknown>(`/api/workshops/${id}/learners/${learner}/reset`, { body: {}, token }),
  /** A report as a file the browser saves or opens (the token cannot ride on a plain link). */
  async report(id: string, format: 'json' | 'csv' | 'html', learner?: string): Promise<Blob> {
    const q = new URLSearchParams({ format, ...(learner ? { learner } : {}) });
    const res = await fetch(`/api/workshops/${id}/report?${q}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new ApiFailure('Internal', `The runner answered ${res.status} for the report.`, res.status);
    return res.blob();
  },
  /**
   * Follows the roster: the runner pushes it (server-sent events) on every change and
   * every few seconds. Resolves when the stream ends; rejects when it cannot start.
   */
  async follow(
    id: string,
    onUpdate: (update: { workshop: InstructorWorkshop; roster: Roster }) => void,
    signal: AbortSignal,
  ) {
    const res = await fetch(`/api/workshops/${id}/roster/stream`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
    if (!res.ok || !res.body) {
      let message = `The runner answered ${res.status}.`;
      try {
        message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message;
      } catch {}
      throw new ApiFailure('Unauthorized', message, res.status);
    }
    await readEvents(res.body, (data) => onUpdate(data as { workshop: InstructorWorkshop; roster: Roster }));
  },
});

export function minutes(ms: number): string {
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
