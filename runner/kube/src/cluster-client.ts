import { stringify } from 'yaml';
import { KubeApiError, KubeClient } from './client.ts';
import type { Manifest } from './manifests.ts';

/** The verdict on one object of an Apply. */
export type ApplyResult =
  | { ok: true; kind: string; name: string; namespace?: string; action: 'created' | 'configured' }
  | {
      ok: false;
      kind: string;
      name: string;
      namespace?: string;
      code: ClusterFailureCode;
      /** The API server's own message (an admission denial reads as the server wrote it). */
      message: string;
      status?: unknown;
    };

const FIELD_MANAGER = 'paranoid-editor';

/** The runner's view of one session's cluster, through the Kubernetes API only. */
export class ClusterClient {
  private readonly api: KubeClient;

  /** From a kubeconfig, or over a client that already exists (its connections are then shared). */
  constructor(kubeconfig: string | KubeClient) {
    this.api = typeof kubeconfig === 'string' ? new KubeClient(kubeconfig) : kubeconfig;
  }

  /** Server-side apply, object by object, the way `kubectl apply --server-side` does it. */
  async apply(objects: Manifest[]): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    for (const object of objects) {
      const id = { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace };
      try {
        const namespaced = await this.api.namespaced(object.apiVersion, object.kind);
        const namespace = namespaced ? (object.metadata.namespace ?? 'default') : undefined;
        const path = await this.api.path(object.apiVersion, object.kind, namespace, object.metadata.name);
        const before = await this.api.raw('GET', path);
        const body = JSON.stringify(namespace ? { ...object, metadata: { ...object.metadata, namespace } } : object);
        const applied = await this.api.raw(
          'PATCH',
          `${path}?fieldManager=${FIELD_MANAGER}&force=true`,
          body,
          'application/apply-patch+yaml',
        );
        if (applied.status >= 300)
          throw new KubeApiError(
            applied.status,
            applied.body as KubeStatus | undefined,
            `apply: HTTP ${applied.status}`,
          );
        results.push({ ok: true, ...id, action: before.status === 200 ? 'configured' : 'created' });
      } catch (error) {
        const failure = clusterFailure(error);
        results.push({ ok: false, ...id, code: failure.code, message: failure.message, status: failure.status });
      }
    }
    return results;
  }

  /** One object as YAML, without the fields a learner never edits. */
  async readYaml(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): Promise<string> {
    try {
      const path = await this.api.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
      const object = (await this.api.send('GET', path)) as Record<string, unknown>;
      return stringify(editable({ apiVersion: ref.apiVersion, kind: ref.kind, ...object }));
    } catch (error) {
      throw clusterFailure(error);
    }
  }

  /** Every object of a kind, across namespaces when `namespace` is absent. */
  /** Closes the client's kept-alive connections. */
  close(): void {
    this.api.close();
  }

  async list(apiVersion: string, kind: string, namespace?: string): Promise<Record<string, unknown>[]> {
    try {
      const path = await this.api.path(apiVersion, kind, namespace);
      const list = (await this.api.send('GET', path)) as { items?: Record<string, unknown>[] };
      return (list.items ?? []).map((item) => ({ apiVersion, kind, ...item }));
    } catch (error) {
      throw clusterFailure(error);
    }
  }
}

function editable(object: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = object;
  const metadata = { ...(rest.metadata as Record<string, unknown>) };
  for (const key of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'])
    delete metadata[key];
  return { ...rest, metadata };
}

interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

/** How a call to the cluster failed, as the lab reports it. */
export type ClusterFailureCode = 'AdmissionDenied' | 'NotFound' | 'ClusterError';

/** A failed call to the cluster, with the API server's own words and `Status`. */
export class ClusterFailure extends Error {
  constructor(
    /** The HTTP status to answer with: the cluster's own, or 502 when it did not answer. */
    readonly httpStatus: number,
    readonly code: ClusterFailureCode,
    message: string,
    readonly status?: unknown,
  ) {
    super(message);
    this.name = 'ClusterFailure';
  }
}

/** Maps a failed API call to a `ClusterFailure`, keeping the server's own words. */
export function clusterFailure(error: unknown): ClusterFailure {
  const e = error as { code?: number; status?: unknown; message?: string };
  const status = e.status && typeof e.status === 'object' ? (e.status as KubeStatus) : undefined;
  const code = typeof e.code === 'number' ? e.code : (status?.code ?? 0);
  const message = status?.message ?? e.message ?? String(error);
  if (code === 0) return new ClusterFailure(502, 'ClusterError', `the cluster did not answer: ${message}`);
  const denied = code === 403 && /admission|violates|denied|policy/i.test(message);
  const kind: ClusterFailureCode = denied ? 'AdmissionDenied' : code === 404 ? 'NotFound' : 'ClusterError';
  return new ClusterFailure(code >= 400 && code < 600 ? code : 502, kind, message, status);
}
