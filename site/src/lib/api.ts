import type { ClusterMap } from '@paranoid/api/cluster-map.ts';
import type { ApiErrorBody, ApiErrorCode } from '@paranoid/api/errors.ts';
import type { ProgressResponse } from '@paranoid/api/progress.ts';
import type { ScenarioDetailResponse } from '@paranoid/api/scenarios.ts';
import type {
  ApplyResponse,
  CheckResponse,
  CreatedSessionResponse,
  HintRequest,
  HintResponse,
  ObjectRef,
  ObjectsResponse,
  ObjectYamlResponse,
  SessionResponse,
  SolutionRequest,
  SolutionResponse,
  StartingResponse,
  StartSessionRequest,
} from '@paranoid/api/sessions.ts';

export type { ClusterMap as ClusterMapData } from '@paranoid/api/cluster-map.ts';
export type { ScenarioProgress } from '@paranoid/api/progress.ts';
export type {
  ApplyResult,
  CheckResult,
  ObjectRef,
  ScenarioFile,
  SessionView,
  StartingView,
} from '@paranoid/api/sessions.ts';

/**
 * The runner's API, as the browser sees it. Every failure becomes an
 * {@link ApiFailure} with the runner's code and message, which the UI shows as is.
 */
/** The runner's error codes, and `RunnerDown` when it does not answer at all. */
export type FailureCode = ApiErrorCode | 'RunnerDown';

export class ApiFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    readonly status = 0,
    readonly position?: { line: number; column: number },
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  /** The session is gone (expired, deleted, runner restarted): offer a restart. */
  get sessionEnded(): boolean {
    return this.code === 'SessionExpired' || this.code === 'Unauthorized';
  }
}

interface Options {
  method?: string;
  body?: unknown;
  token?: string;
}

export async function call<T>(path: string, options: Options = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    window.dispatchEvent(new Event('paranoid:runner-down'));
    throw new ApiFailure('RunnerDown', 'The runner is not answering. Is `paranoid serve` still running?');
  }
  if (res.status === 204) return undefined as T;
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const error = (body as Partial<ApiErrorBody> | null)?.error;
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      window.dispatchEvent(new Event('paranoid:runner-down'));
    }
    throw new ApiFailure(
      error?.code ?? 'Internal',
      error?.message ?? `The runner answered ${res.status} ${res.statusText}.`,
      res.status,
      error?.position,
    );
  }
  return body as T;
}

export const api = {
  starting: () => call<StartingResponse>('/api/sessions/starting'),
  startSession: (scenarioId: string) =>
    call<CreatedSessionResponse>('/api/sessions', { body: { scenarioId } satisfies StartSessionRequest }),
  session: (id: string, token: string) => call<SessionResponse>(`/api/sessions/${id}`, { token }),
  extend: (id: string, token: string) => call<SessionResponse>(`/api/sessions/${id}/extend`, { method: 'POST', token }),
  reset: (id: string, token: string) => call<SessionResponse>(`/api/sessions/${id}/reset`, { method: 'POST', token }),
  end: (id: string, token: string) => call<void>(`/api/sessions/${id}`, { method: 'DELETE', token }),
  check: (id: string, token: string) => call<CheckResponse>(`/api/sessions/${id}/check`, { method: 'POST', token }),
  hint: (id: string, token: string, target: { checkId: string } | { stepId: string }, index: number) =>
    call<HintResponse>(`/api/sessions/${id}/hint`, { body: { ...target, index } satisfies HintRequest, token }),
  solution: (id: string, token: string) =>
    call<SolutionResponse>(`/api/sessions/${id}/solution`, {
      body: { confirm: true } satisfies SolutionRequest,
      token,
    }),
  apply: (id: string, token: string, yaml: string) =>
    call<ApplyResponse>(`/api/sessions/${id}/apply`, { body: { yaml }, token }),
  objects: (id: string, token: string) => call<ObjectsResponse>(`/api/sessions/${id}/objects`, { token }),
  object: (id: string, token: string, ref: ObjectRef) => {
    const q = new URLSearchParams({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name });
    if (ref.namespace) q.set('namespace', ref.namespace);
    return call<ObjectYamlResponse>(`/api/sessions/${id}/object?${q}`, { token });
  },
  map: (id: string, token: string) => call<ClusterMap>(`/api/sessions/${id}/map`, { token }),
  /**
   * Follows the map as the cluster changes (the runner watches it and pushes server-sent
   * events). Resolves when the stream ends; rejects when it cannot start.
   */
  async followMap(id: string, token: string, onMap: (map: ClusterMap) => void, signal: AbortSignal) {
    const res = await fetch(`/api/sessions/${id}/map/stream`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => null)) as Partial<ApiErrorBody> | null;
      throw new ApiFailure(body?.error?.code ?? 'Internal', body?.error?.message ?? `HTTP ${res.status}`, res.status);
    }
    await readEvents(res.body, (data) => onMap(data as ClusterMap));
  },
  progress: () => call<ProgressResponse>('/api/progress'),
  scenarioFiles: (scenarioId: string) =>
    call<ScenarioDetailResponse>(`/api/scenarios/${scenarioId}`).then((s) => s.manifests),
};

/** Reads a server-sent event stream to its end, handing each event's `data` (parsed JSON) to `onData`. */
export async function readEvents(body: NonNullable<Response['body']>, onData: (data: unknown) => void): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) onData(JSON.parse(data));
      end = buffer.indexOf('\n\n');
    }
  }
}
