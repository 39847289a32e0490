import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type {
  AccessReviewCall,
  DryRunResult,
  ExecCall,
  ExecResult,
  InternetRequest,
  InternetResponse,
  KubeApi,
} from '@paranoid/grader/kube-api.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ResourceInfo } from '@paranoid/schema/resources.ts';
import WebSocket from 'ws';
import { parse } from 'yaml';

/**
 * The one Kubernetes client of the runner: a small REST client over node:http(s)
 * and `ws` (kubeconfig, discovery, requests, watches, exec), and the grader's
 * {@link KubeApi} on top of it. Server-side apply is `cluster-client.ts`, over this.
 *
 * Why not @kubernetes/client-node: its 2.x line pulls in undici 8, which needs
 * Node 22 (it fails at import on Node 20, the runtime here), and we use few of its
 * parts: JSON REST, discovery, watches, SubjectAccessReview, dryRun, and exec over
 * the `v5.channel.k8s.io` / `v4.channel.k8s.io` WebSocket subprotocols.
 */

/** How requests "from the internet" are made; a ClusterHandle's `requestFromInternet` fits. */
export type InternetFn = (request: InternetRequest) => Promise<InternetResponse>;

/** A non-2xx answer of the API server, carrying its Status. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: { message?: string; reason?: string } | undefined,
    fallback: string,
  ) {
    super(status?.message ?? fallback);
    this.name = 'KubeApiError';
  }
}

/** The Status message of an API error, or the error's own text. */
export function apiErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Endpoint {
  server: URL;
  token?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: {
    name: string;
    cluster: {
      server: string;
      'certificate-authority-data'?: string;
      'certificate-authority'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }[];
  users?: {
    name: string;
    user: {
      token?: string;
      'client-certificate-data'?: string;
      'client-key-data'?: string;
      'client-certificate'?: string;
      'client-key'?: string;
    };
  }[];
}

function endpointOf(text: string): Endpoint {
  const config = parse(text) as KubeconfigFile | null;
  if (!config || typeof config !== 'object') throw new Error('it is not a kubeconfig');
  const context = config.contexts?.find((c) => c.name === config['current-context']) ?? config.contexts?.[0];
  const cluster = config.clusters?.find((c) => c.name === context?.context.cluster) ?? config.clusters?.[0];
  const user = config.users?.find((u) => u.name === context?.context.user) ?? config.users?.[0];
  if (!cluster?.cluster.server) throw new Error('it names no cluster with a server');
  const b64 = (s?: string) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const file = (p?: string) => (p ? readFileSync(p, 'utf8') : undefined);
  return {
    server: new URL(cluster.cluster.server),
    token: user?.user.token,
    ca: b64(cluster.cluster['certificate-authority-data']) ?? file(cluster.cluster['certificate-authority']),
    cert: b64(user?.user['client-certificate-data']) ?? file(user?.user['client-certificate']),
    key: b64(user?.user['client-key-data']) ?? file(user?.user['client-key']),
    insecure: cluster.cluster['insecure-skip-tls-verify'] === true,
  };
}

/** An answer of the API server: its HTTP status and the parsed JSON body (text when it is not JSON). */
export interface KubeResponse {
  status: number;
  body: unknown;
}

/** One cluster's API, as a kubeconfig describes it. */
export class KubeClient {
  private readonly endpoint: Endpoint;
  private readonly discovery = new Map<string, Promise<Map<string, { plural: string; namespaced: boolean }>>>();
  /** Kept-alive connections: grading asks many small questions (access reviews) in a burst. */
  private readonly agent: http.Agent;

  constructor(kubeconfig: string) {
    try {
      this.endpoint = endpointOf(kubeconfig);
    } catch (error) {
      throw new Error(`failed to read kubeconfig: ${apiErrorMessage(error)}`);
    }
    this.agent =
      this.endpoint.server.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 8, ...this.tls() })
        : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** Closes kept-alive connections (they would otherwise hold the process open for a few seconds). */
  close(): void {
    this.agent.destroy();
  }

  /** Reads a kubeconfig file. */
  static fromFile(path: string): KubeClient {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`failed to read kubeconfig ${path}: ${apiErrorMessage(error)}`);
    }
    return new KubeClient(text);
  }

  get server(): string {
    return this.endpoint.server.href;
  }

  private url(path: string, protocol?: 'ws'): URL {
    const { server } = this.endpoint;
    const url = new URL(server.pathname.replace(/\/$/, '') + path, server);
    if (protocol === 'ws') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url;
  }

  private tls(): {
    ca?: string;
    cert?: string;
    key?: string;
    rejectUnauthorized: boolean;
    secureContext: tls.SecureContext;
  } {
    const { ca, cert, key, insecure } = this.endpoint;
    // One context per client: without it Node builds one, parsing the CA again, for every
    // connection, and each exec opens its own (about 3% of validate's CPU in a profile).
    this.secureContext ??= tls.createSecureContext({ ca, cert, key });
    return { ca, cert, key, rejectUnauthorized: !insecure, secureContext: this.secureContext };
  }
  private secureContext?: tls.SecureContext;

  private headers(): Record<string, string> {
    return this.endpoint.token ? { authorization: `Bearer ${this.endpoint.token}` } : {};
  }

  /** One request; the body is parsed as JSON when it is JSON. Never throws on HTTP status. */
  raw(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const url = this.url(path);
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers() };
    if (text !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(text));
    }
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, timeout: 15_000, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = raw ? JSON.parse(raw) : null;
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`the API server at ${url.origin} did not answer within 15 s`)));
      req.on('error', reject);
      if (text !== undefined) req.write(text);
      req.end();
    });
  }

  /** A request whose non-2xx answer throws {@link KubeApiError}. */
  async send(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const response = await this.raw(method, path, body, contentType);
    if (response.status < 200 || response.status >= 300) {
      const status =
        typeof response.body === 'object' && response.body ? (response.body as { message?: string }) : undefined;
      throw new KubeApiError(response.status, status, `${method} ${path}: HTTP ${response.status}`);
    }
    return response.body;
  }

  /** The REST path of a kind (found by discovery): `/apis/apps/v1/namespaces/ns/deployments/name`. */
  async path(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const ref = (await this.resources(apiVersion)).get(kind);
    if (!ref) throw new KubeApiError(404, undefined, `the server does not serve ${kind} in ${apiVersion}`);
    return resourcePath(apiVersion, ref.plural, ref.namespaced ? namespace : undefined, name);
  }

  /** Whether a kind lives in namespaces (by discovery); unknown kinds count as namespaced. */
  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resources(apiVersion)).get(kind)?.namespaced ?? true;
  }

  /** The resources of one group version, by kind; asked once per client and remembered. */
  private resources(apiVersion: string): Promise<Map<string, { plural: string; namespaced: boolean }>> {
    let found = this.discovery.get(apiVersion);
    if (!found) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      found = this.send('GET', base).then((list) => {
        const map = new Map<string, { plural: string; namespaced: boolean }>();
        for (const r of (list as { resources?: { name: string; kind: string; namespaced: boolean }[] }).resources ??
          []) {
          if (!r.name.includes('/')) map.set(r.kind, { plural: r.name, namespaced: r.namespaced });
        }
        return map;
      });
      found.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, found);
    }
    return found;
  }

  /**
   * Watches a collection (`?watch=1`), calling `onEvent` for each event line and `onEnd` once,
   * when the server closes the stream or it fails. Returns the function that stops it. A watch
   * has a connection of its own: it would otherwise hold one of the shared agent's sockets.
   */
  watch(
    path: string,
    onEvent: (event: { type: string; object: unknown }) => void,
    onEnd: (error?: Error) => void,
  ): () => void {
    const url = this.url(`${path}${path.includes('?') ? '&' : '?'}watch=1`);
    const send = url.protocol === 'https:' ? https.request : http.request;
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    const req = send(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json', ...this.headers() },
        agent: false,
        ...(url.protocol === 'https:' ? this.tls() : {}),
      },
      (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          res.resume();
          end(new Error(`watch ${path}: HTTP ${res.statusCode}`));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) {
              try {
                onEvent(JSON.parse(line) as { type: string; object: unknown });
              } catch {
                // A partial or foreign line: skip it.
              }
            }
            newline = buffer.indexOf('\n');
          }
        });
        res.on('end', () => end());
        res.on('error', (error) => end(error));
      },
    );
    req.on('error', (error) => end(error));
    req.end();
    return () => {
      ended = true;
      req.destroy();
    };
  }

  /**
   * Runs a command in a container over the exec WebSocket and collects its output.
   * The exit code comes from the Status on channel 3.
   */
  exec(call: ExecCall): Promise<ExecResult> {
    const query = new URLSearchParams();
    for (const arg of call.command) query.append('command', arg);
    if (call.container) query.set('container', call.container);
    query.set('stdout', 'true');
    query.set('stderr', 'true');
    const url = this.url(
      `/api/v1/namespaces/${encodeURIComponent(call.namespace)}/pods/${encodeURIComponent(call.pod)}/exec?${query}`,
      'ws',
    );
    const where = `${call.namespace}/${call.pod}`;
    return new Promise<ExecResult>((resolve, reject) => {
      // Through the shared agent, so TLS sessions are resumed rather than renegotiated per exec.
      const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
        headers: this.headers(),
        agent: this.agent,
        ...(url.protocol === 'wss:' ? this.tls() : {}),
      });
      let stdout = '';
      let stderr = '';
      let exitCode: number | undefined;
      let settled = false;
      const finish = (result: ExecResult | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const timer = setTimeout(
        () => finish(new Error(`exec in ${where} timed out after ${call.timeoutMs} ms`)),
        call.timeoutMs,
      );
      ws.on('message', (data: Buffer) => {
        if (data.length === 0) return;
        const text = data.subarray(1).toString('utf8');
        switch (data[0]) {
          case 1:
            stdout += text;
            break;
          case 2:
            stderr += text;
            break;
          case 3: {
            const status = exitStatusOf(text);
            exitCode = status.exitCode;
            // The runtime's own words ("executable file not found"): what a shell would have printed.
            if (status.message) stderr += `${status.message}\n`;
            break;
          }
        }
      });
      ws.on('close', () =>
        // The exit status arrives on channel 3 before the close; a close without one is no answer.
        exitCode === undefined
          ? finish(new Error(`exec in ${where} ended without an exit status${stderr ? `: ${stderr.trim()}` : ''}`))
          : finish({ stdout, stderr, exitCode }),
      );
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let message = body;
          try {
            message = (JSON.parse(body) as { message?: string }).message ?? body;
          } catch {
            // Not a Status: keep the text.
          }
          finish(new Error(`failed to exec in ${where}: ${message || `HTTP ${res.statusCode}`}`));
        });
      });
      ws.on('error', (error) => finish(new Error(`failed to exec in ${where}: ${error.message}`)));
    });
  }

  /** HTTPS/HTTP options with this cluster's credentials, for non-Kubernetes endpoints on the same server. */
  requestOptions(path: string): { url: URL; options: https.RequestOptions } {
    return { url: this.url(path), options: { headers: this.headers(), ...this.tls() } };
  }
}

/** `/api/v1/namespaces/x/pods/y` from parts. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/**
 * The exit status in the Status an exec ends with (channel 3). A process that ran
 * and exited non-zero gets `NonZeroExitCode` with an `ExitCode` cause. A command the
 * runtime could not start at all gets an InternalError with the runtime's message
 * and no exit code (containerd: `exec: "redis-cli": executable file not found in
 * $PATH`); that is a shell's 127 (not found) or 126 (not executable), never 1, or a
 * check expecting an attack to fail would pass whenever its tool is missing.
 */
export function exitStatusOf(statusJson: string): { exitCode: number; message?: string } {
  try {
    const status = JSON.parse(statusJson) as {
      status?: string;
      message?: string;
      details?: { causes?: { reason?: string; message?: string }[] };
    };
    if (status.status === 'Success') return { exitCode: 0 };
    const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    if (Number.isInteger(code)) return { exitCode: code };
    const message = status.message ?? '';
    if (/executable file not found|no such file or directory/.test(message)) return { exitCode: 127, message };
    if (/permission denied/.test(message)) return { exitCode: 126, message };
    return { exitCode: 1, ...(message ? { message } : {}) };
  } catch {
    return { exitCode: 1 };
  }
}

const apiVersionOf = (r: ResourceInfo) => (r.group === '' ? r.version : `${r.group}/${r.version}`);

/**
 * The grader's {@link KubeApi} for any cluster a kubeconfig reaches: the simulator,
 * kind, or the user's own. Internet probes go through `internet` (a provider's
 * `requestFromInternet`), else {@link defaultInternet}.
 */
export function createKubeApi(client: KubeClient, internet?: InternetFn): KubeApi {
  const fromInternet = internet ?? defaultInternet(client);

  const denied = (error: unknown): DryRunResult => {
    if (error instanceof KubeApiError && [400, 403, 422].includes(error.code)) {
      return { admitted: false, code: error.code, message: error.message };
    }
    throw new Error(`failed to dry-run: ${apiErrorMessage(error)}`);
  };

  return {
    async list(resource, namespace) {
      const path = resourcePath(apiVersionOf(resource), resource.resource, resource.namespaced ? namespace : undefined);
      try {
        const list = (await client.send('GET', path)) as { items?: KubeObject[] };
        return list.items ?? [];
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 404) return [];
        throw new Error(`failed to list ${resource.resource}: ${apiErrorMessage(error)}`);
      }
    },

    exec: (call) => client.exec(call),

    async accessReview(call: AccessReviewCall) {
      const body = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: call.user,
          groups: call.groups,
          resourceAttributes: {
            verb: call.verb,
            group: call.group,
            resource: call.resource,
            ...(call.subresource ? { subresource: call.subresource } : {}),
            ...(call.name ? { name: call.name } : {}),
            ...(call.namespace ? { namespace: call.namespace } : {}),
          },
        },
      };
      try {
        const review = (await client.send('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', body)) as {
          status?: { allowed?: boolean; reason?: string };
        };
        return { allowed: review.status?.allowed === true, reason: review.status?.reason };
      } catch (error) {
        throw new Error(`failed to create SubjectAccessReview: ${apiErrorMessage(error)}`);
      }
    },

    async dryRunCreate(object) {
      try {
        const path = await client.path(object.apiVersion, object.kind, object.metadata.namespace);
        await client.send('POST', `${path}?dryRun=All&fieldManager=paranoid-grader`, object);
        return { admitted: true };
      } catch (error) {
        return denied(error);
      }
    },

    async dryRunEphemeralContainer(namespace, pod, container) {
      const path = resourcePath('v1', 'pods', namespace, pod);
      let current: KubeObject & { spec?: { ephemeralContainers?: unknown[] } };
      try {
        current = (await client.send('GET', path)) as typeof current;
      } catch (error) {
        throw new Error(`failed to read pod ${namespace}/${pod}: ${apiErrorMessage(error)}`);
      }
      const body = {
        ...current,
        spec: { ...current.spec, ephemeralContainers: [...(current.spec?.ephemeralContainers ?? []), container] },
      };
      try {
        await client.send('PUT', `${path}/ephemeralcontainers?dryRun=All&fieldManager=paranoid-grader`, body);
        return { admitted: true };
      } catch (error) {
        return denied(error);
      }
    },

    requestFromInternet: fromInternet,

    async kubeletConfig(node) {
      try {
        const body = (await client.send('GET', `${resourcePath('v1', 'nodes', undefined, node)}/proxy/configz`)) as {
          kubeletconfig?: unknown;
        };
        const config = body?.kubeletconfig;
        if (typeof config !== 'object' || config === null || Array.isArray(config)) {
          throw new Error('the answer has no kubeletconfig object');
        }
        return config as Record<string, unknown>;
      } catch (error) {
        throw new Error(`failed to read the kubelet configuration of node ${node}: ${apiErrorMessage(error)}`);
      }
    },
    async cloudInstances() {
      try {
        const body = (await client.send('GET', '/paranoid/v1/cloud/instances')) as {
          Reservations?: Array<{ Instances?: unknown }>;
        };
        const reservations = Array.isArray(body?.Reservations) ? body.Reservations : undefined;
        if (!reservations) throw new Error('the answer has no Reservations list');
        return reservations.flatMap((r) =>
          Array.isArray(r?.Instances)
            ? r.Instances.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)
            : [],
        );
      } catch (error) {
        throw new Error(`failed to describe the cloud instances: ${apiErrorMessage(error)}`);
      }
    },
    async logs(namespace, pod, container) {
      const path = `${resourcePath('v1', 'pods', namespace, pod)}/log?container=${encodeURIComponent(container)}&limitBytes=${LOG_LIMIT_BYTES}`;
      try {
        const body = await client.send('GET', path);
        // The client parses a body that happens to be JSON (a log of one JSON line): give the text back.
        return typeof body === 'string' ? body : body === null ? '' : `${JSON.stringify(body)}\n`;
      } catch (error) {
        throw new Error(`failed to read the log of ${namespace}/${pod} (${container}): ${apiErrorMessage(error)}`);
      }
    },

    pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** The most of one container's log the grader reads (kubelet rotates at 10 MiB by default). */
const LOG_LIMIT_BYTES = 16 << 20;

/**
 * Internet probes for a cluster given only by kubeconfig: the simulator answers
 * `POST <server>/paranoid/v1/internet`; any other server (kind, a real cluster)
 * does not, and then the request is made for real from this machine.
 */
export function defaultInternet(client: KubeClient): InternetFn {
  let simulated: boolean | undefined;
  return async (request) => {
    if (simulated !== false) {
      const answer = await postToSim(client, request).catch(() => undefined);
      if (answer !== undefined) {
        simulated = true;
        return answer;
      }
      if (simulated === true) return { ok: false, error: 'the simulator did not answer the internet request' };
      simulated = false;
    }
    return realRequest(request);
  };
}

async function postToSim(client: KubeClient, request: InternetRequest): Promise<InternetResponse | undefined> {
  const { url, options } = client.requestOptions('/paranoid/v1/internet');
  const { status, body } = await send(
    url,
    { ...options, method: 'POST', headers: { ...options.headers, 'content-type': 'application/json' } },
    JSON.stringify(request),
    10_000,
  );
  if (status !== 200) return undefined;
  const parsed = JSON.parse(body) as InternetResponse;
  return typeof parsed === 'object' && parsed !== null && 'ok' in parsed ? parsed : undefined;
}

/** A plain HTTP(S) request; TLS is not verified, as an attacker's `curl -k` would not. */
export async function realRequest(request: InternetRequest): Promise<InternetResponse> {
  const scheme = request.scheme ?? 'http';
  const url = new URL(`${scheme}://${request.host}:${request.port}${request.path}`);
  try {
    const { status, headers, body } = await send(
      url,
      { method: request.method ?? 'GET', headers: request.headers ?? {}, rejectUnauthorized: false },
      undefined,
      5_000,
    );
    return { ok: true, status, headers, body };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function send(
  url: URL,
  options: https.RequestOptions,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
