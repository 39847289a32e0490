/**
 * The simulated apiserver's request and response, independent of any HTTP
 * library: the Node adapter (`../../sim-server`) maps them onto sockets, and tests
 * call `cluster.handle()` directly with no server.
 */
export interface ApiRequest {
  method: string;
  /** Path without the cluster's URL prefix and without the query, e.g. `/api/v1/namespaces/dev/pods`. */
  path: string;
  /** Query parameters, each name with every value it was given. */
  query: Record<string, string[]>;
  /** Header names lower case; repeated headers keep every value. */
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
}

/** Response headers; a list value is sent as that header repeated. */
export type ResponseHeaders = Record<string, string | string[]>;

/** A complete response. */
export interface BodyResponse {
  kind: 'body';
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
}

/** A response that keeps writing (watch, `logs -f`) until it ends itself or the client goes away. */
export interface StreamResponse {
  kind: 'stream';
  status: number;
  headers: ResponseHeaders;
  /** Starts producing; returns a function the adapter calls when the client disconnects. */
  start(write: (chunk: Uint8Array) => void, end: () => void): () => void;
}

/** One side of an upgraded connection: binary messages both ways. */
export interface UpgradeConnection {
  /** The subprotocol agreed, e.g. `v5.channel.k8s.io`. */
  protocol: string;
  send(data: Uint8Array): void;
  close(): void;
}

/** A WebSocket upgrade (exec, attach): the adapter answers 101 with one of `protocols`. */
export interface UpgradeResponse {
  kind: 'upgrade';
  /** Subprotocols the server speaks, best first. */
  protocols: string[];
  /** Called once the WebSocket is open; returns the handlers for what the client sends. */
  connect(connection: UpgradeConnection): { message(data: Uint8Array): void; close(): void };
  /**
   * pods/portforward: the pod's ports as byte streams. The adapter speaks the framing kubectl
   * uses (SPDY/3.1, tunnelled in a WebSocket or not, whose header compression is the adapter's)
   * and opens one stream per forwarded connection; `connect` is then not used.
   */
  tunnel?: PortTunnel;
}

/** A pod's ports as `kubectl port-forward` reaches them, from inside the pod's network namespace. */
export interface PortTunnel {
  open(port: number): PortStreamOpened;
}

/** A connection to a pod's port: what the server said first, and how to talk on; or why not. */
export type PortStreamOpened =
  | {
      ok: true;
      /** What the server says first (a banner). */
      data: Uint8Array;
      /** The server speaks TLS: the adapter ends the client's TLS (it holds the certificates), then talks plain. */
      tls: boolean;
      send(data: Uint8Array): { data: Uint8Array; end: boolean };
      close(): void;
    }
  | { ok: false; message: string };

/** What the API answers a request with: a body, a stream (watch, logs) or a protocol upgrade (exec). */
export type ApiResponse = BodyResponse | StreamResponse | UpgradeResponse;

const encoder = new TextEncoder();

/** A JSON body response. */
export function jsonResponse(status: number, value: unknown, headers: ResponseHeaders = {}): BodyResponse {
  return {
    kind: 'body',
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: encoder.encode(JSON.stringify(value)),
  };
}

/** A plain-text body response. */
export function textResponse(status: number, text: string, headers: ResponseHeaders = {}): BodyResponse {
  return {
    kind: 'body',
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
    body: encoder.encode(text),
  };
}

/** The first value of a header, lower-cased name. */
export function header(request: ApiRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a header, split on commas when `split` is set. */
export function headerValues(request: ApiRequest, name: string): string[] {
  const v = request.headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The first value of a query parameter. */
export function queryParam(request: ApiRequest, name: string): string | undefined {
  return request.query[name]?.[0];
}

/** Parses a raw query string (`a=1&b=2`) into {@link ApiRequest.query}. */
export function parseQuery(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decode(part.slice(eq + 1));
    const list = out[k] ?? [];
    list.push(v);
    out[k] = list;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
