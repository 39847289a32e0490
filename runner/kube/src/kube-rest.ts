import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse } from 'yaml';

/**
 * A small Kubernetes REST client over node:http(s): bearer tokens, client
 * certificates and CAs from a kubeconfig, discovery of plural names. It exists
 * because @kubernetes/client-node 2.x pulls in undici 8, which needs Node 22,
 * and the runner runs on Node 20.
 */
export interface KubeResponse {
  status: number;
  body: unknown;
}

export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'message' in body ? String(body.message) : `HTTP ${code}`);
    this.name = 'KubeHttpError';
  }
}

interface Endpoint {
  server: URL;
  token?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
}

interface ResourceRef {
  plural: string;
  namespaced: boolean;
}

export class KubeRest {
  private readonly endpoint: Endpoint;
  private readonly discovery = new Map<string, Promise<Map<string, ResourceRef>>>();

  constructor(kubeconfig: string) {
    this.endpoint = endpointOf(kubeconfig);
  }

  /** The collection path of a kind: `/apis/apps/v1/namespaces/ns/deployments`. */
  async path(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const resources = await this.resources(apiVersion);
    const ref = resources.get(kind);
    if (!ref) throw new KubeHttpError(404, { message: `the server does not serve ${kind} in ${apiVersion}` });
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = ref.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${ref.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resources(apiVersion)).get(kind)?.namespaced ?? true;
  }

  /** Sends a request; a non-2xx answer throws {@link KubeHttpError} with the server's Status. */
  async send(method: string, path: string, body?: string, contentType = 'application/json'): Promise<unknown> {
    const response = await this.raw(method, path, body, contentType);
    if (response.status < 200 || response.status >= 300) throw new KubeHttpError(response.status, response.body);
    return response.body;
  }

  raw(method: string, path: string, body?: string, contentType = 'application/json'): Promise<KubeResponse> {
    const { server, token, ca, cert, key, insecure } = this.endpoint;
    const url = new URL(server.pathname.replace(/\/$/, '') + path, server);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers,
          timeout: 15_000,
          ...(url.protocol === 'https:' ? { ca, cert, key, rejectUnauthorized: !insecure } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // Not JSON: keep the text.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('the API server did not answer within 15s')));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * Watches a collection (`?watch=1`), calling `onEvent` for each event line; `onEnd` when
   * the server closes the stream or it fails. Returns the function that stops it.
   */
  watch(path: string, onEvent: (event: { type: string; object: unknown }) => void, onEnd: (error?: Error) => void) {
    const { server, token, ca, cert, key, insecure } = this.endpoint;
    const url = new URL(`${server.pathname.replace(/\/$/, '')}${path}${path.includes('?') ? '&' : '?'}watch=1`, server);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
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
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(url.protocol === 'https:' ? { ca, cert, key, rejectUnauthorized: !insecure } : {}),
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

  private resources(apiVersion: string): Promise<Map<string, ResourceRef>> {
    let found = this.discovery.get(apiVersion);
    if (!found) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      found = this.send('GET', path).then((list) => {
        const map = new Map<string, ResourceRef>();
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
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: {
    name: string;
    cluster: { server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean };
  }[];
  users?: { name: string; user: { token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

function endpointOf(text: string): Endpoint {
  const config = parse(text) as Kubeconfig;
  const context = config.contexts?.find((c) => c.name === config['current-context']) ?? config.contexts?.[0];
  const cluster = config.clusters?.find((c) => c.name === context?.context.cluster) ?? config.clusters?.[0];
  const user = config.users?.find((u) => u.name === context?.context.user) ?? config.users?.[0];
  if (!cluster) throw new Error('failed to read kubeconfig: it names no cluster');
  const b64 = (s?: string) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  return {
    server: new URL(cluster.cluster.server),
    token: user?.user.token,
    ca: b64(cluster.cluster['certificate-authority-data']),
    cert: b64(user?.user['client-certificate-data']),
    key: b64(user?.user['client-key-data']),
    insecure: cluster.cluster['insecure-skip-tls-verify'] === true,
  };
}
