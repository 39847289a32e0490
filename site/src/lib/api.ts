/**
 * The runner's API, as the browser sees it. Every failure becomes an
 * {@link ApiFailure} with the runner's code and message, which the UI shows as is.
 */
export type FailureCode =
  | 'RunnerDown'
  | 'BadRequest'
  | 'InvalidYaml'
  | 'Unauthorized'
  | 'NotFound'
  | 'ScenarioUnavailable'
  | 'SessionExpired'
  | 'PayloadTooLarge'
  | 'AdmissionDenied'
  | 'ClusterError'
  | 'ClusterUnavailable'
  | 'TerminalUnavailable'
  | 'TooManySessions'
  | 'Draining'
  | 'Internal';

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

export interface SessionView {
  id: string;
  scenarioId: string;
  createdAt: number;
  expiresAt: number;
  secondsLeft: number;
  /** The most seconds left that Extend can reach (a session's longest life). */
  maxSecondsLeft: number;
  /** What one Extend adds, in seconds. */
  extendSeconds: number;
  /** The longest life of a session, in seconds from its start. */
  maxLifeSeconds: number;
  terminal: { available: boolean; sandboxed: boolean; reason?: string };
}

export interface ScenarioProgress {
  scenarioId: string;
  checks: Record<string, boolean>;
  hintsRevealed: string[];
  solutionRevealed: boolean;
  completedAt: number | null;
  updatedAt: number;
}

export interface CheckResult {
  id: string;
  title: string;
  passed: boolean;
  message: string;
  hintCount: number;
}

export type ApplyResult =
  | { ok: true; kind: string; name: string; namespace?: string; action: 'created' | 'configured' }
  | { ok: false; kind: string; name: string; namespace?: string; code: FailureCode; message: string };

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ScenarioFile {
  path: string;
  content: string;
}

export interface ClusterMapData {
  nodes: {
    id: string;
    kind: 'Internet' | 'Namespace' | 'Workload' | 'Service' | 'Node' | 'Image' | 'Role' | 'Secret';
    label: string;
    namespace?: string;
    detail?: string;
    exposed?: boolean;
  }[];
  edges: {
    id: string;
    source: string;
    target: string;
    kind: 'selects' | 'reaches' | 'blocked' | 'exposes' | 'escapes' | 'runs' | 'bound' | 'reads' | 'uses' | 'egress';
    attack?: boolean;
    /** A blocked edge on the attack path: the fix holds here. */
    stopsAttack?: boolean;
    label?: string;
  }[];
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
    const error = (
      body as { error?: { code?: FailureCode; message?: string; position?: { line: number; column: number } } }
    )?.error;
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

/** A cluster still being made for this learner (kind takes 15-60 s cold): the step it is on. */
export interface StartingView {
  scenarioId: string;
  step: string;
  /** 0..1 */
  fraction: number;
  startedAt: number;
}

export const api = {
  starting: () => call<{ starting: StartingView[] }>('/api/sessions/starting'),
  startSession: (scenarioId: string) =>
    call<{ session: SessionView; token: string }>('/api/sessions', { body: { scenarioId } }),
  session: (id: string, token: string) => call<{ session: SessionView }>(`/api/sessions/${id}`, { token }),
  extend: (id: string, token: string) =>
    call<{ session: SessionView }>(`/api/sessions/${id}/extend`, { method: 'POST', token }),
  reset: (id: string, token: string) =>
    call<{ session: SessionView }>(`/api/sessions/${id}/reset`, { method: 'POST', token }),
  end: (id: string, token: string) => call<void>(`/api/sessions/${id}`, { method: 'DELETE', token }),
  check: (id: string, token: string) =>
    call<{ checks: CheckResult[]; passed: boolean; progress: ScenarioProgress }>(`/api/sessions/${id}/check`, {
      method: 'POST',
      token,
    }),
  hint: (id: string, token: string, target: { checkId: string } | { stepId: string }, index: number) =>
    call<{ hint: string; index: number; progress: ScenarioProgress }>(`/api/sessions/${id}/hint`, {
      body: { ...target, index },
      token,
    }),
  solution: (id: string, token: string) =>
    call<{ files: ScenarioFile[]; progress: ScenarioProgress }>(`/api/sessions/${id}/solution`, {
      body: { confirm: true },
      token,
    }),
  apply: (id: string, token: string, yaml: string) =>
    call<{ results: ApplyResult[] }>(`/api/sessions/${id}/apply`, { body: { yaml }, token }),
  objects: (id: string, token: string) => call<{ objects: ObjectRef[] }>(`/api/sessions/${id}/objects`, { token }),
  object: (id: string, token: string, ref: ObjectRef) => {
    const q = new URLSearchParams({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name });
    if (ref.namespace) q.set('namespace', ref.namespace);
    return call<{ yaml: string }>(`/api/sessions/${id}/object?${q}`, { token });
  },
  map: (id: string, token: string) => call<ClusterMapData>(`/api/sessions/${id}/map`, { token }),
  /**
   * Follows the map as the cluster changes (the runner watches it and pushes server-sent
   * events). Resolves when the stream ends; rejects when it cannot start.
   */
  async followMap(id: string, token: string, onMap: (map: ClusterMapData) => void, signal: AbortSignal) {
    const res = await fetch(`/api/sessions/${id}/map/stream`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: FailureCode; message?: string } } | null;
      throw new ApiFailure(body?.error?.code ?? 'Internal', body?.error?.message ?? `HTTP ${res.status}`, res.status);
    }
    await readEvents(res.body, (data) => onMap(data as ClusterMapData));
  },
  progress: () => call<{ progress: ScenarioProgress[] }>('/api/progress'),
  scenarioFiles: (scenarioId: string) =>
    call<{ manifests: ScenarioFile[] }>(`/api/scenarios/${scenarioId}`).then((s) => s.manifests),
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
