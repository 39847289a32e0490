/** Workshops and the instructor's API, as the browser sees them; the types are the runner's contract (@paranoid/api). */
import type { RosterUpdate } from '@paranoid/api/roster.ts';
import type {
  BroadcastRequest,
  CreateWorkshopRequest,
  InstructorWorkshopResponse,
  InstructorWorkshopsResponse,
  JoinRequest,
  LearnerWorkshopResponse,
  LearnerWorkshopsResponse,
} from '@paranoid/api/workshops.ts';
import { ApiFailure, call, readEvents } from './api.ts';

export type { Roster, RosterLearner } from '@paranoid/api/roster.ts';
export type {
  InstructorWorkshopView as InstructorWorkshop,
  LearnerWorkshopView as LearnerWorkshop,
} from '@paranoid/api/workshops.ts';

/** Where the instructor token is kept: this tab only, and gone when it closes. */
const TOKEN_KEY = 'paranoid.instructorToken';
export const instructorToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export const learnerApi = {
  join: (code: string, displayName: string) =>
    call<LearnerWorkshopResponse>('/api/join', { body: { code, displayName } satisfies JoinRequest }),
  mine: () => call<LearnerWorkshopsResponse>('/api/me/workshops'),
  workshop: (id: string) => call<LearnerWorkshopResponse>(`/api/me/workshops/${encodeURIComponent(id)}`),
};

export const instructorApi = (token: string) => ({
  check: () => call<{ instructor: true }>('/api/instructor', { token }),
  list: () => call<InstructorWorkshopsResponse>('/api/workshops', { token }),
  create: (body: CreateWorkshopRequest) => call<InstructorWorkshopResponse>('/api/workshops', { body, token }),
  end: (id: string) => call<InstructorWorkshopResponse>(`/api/workshops/${id}/end`, { body: {}, token }),
  broadcast: (id: string, message: string | null) =>
    call<InstructorWorkshopResponse>(`/api/workshops/${id}/broadcast`, {
      body: { message } satisfies BroadcastRequest,
      token,
    }),
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
  async follow(id: string, onUpdate: (update: RosterUpdate) => void, signal: AbortSignal) {
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
    await readEvents(res.body, (data) => onUpdate(data as RosterUpdate));
  },
});

export function minutes(ms: number): string {
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
