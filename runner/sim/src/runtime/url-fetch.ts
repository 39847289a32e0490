import type { Pod } from 'kubernetes-types/core/v1';
import { viewOf } from './container-setup.ts';
import { dial, exchange, parseResolvConf } from './netclient.ts';
import type { HttpResponse } from './services/http.ts';
import type { ContainerInstance, RuntimeState } from './types.ts';

/** How an app's URL fetch is bounded (the image's `fetch` route). */
export interface UrlFetchLimits {
  maxBytes: number;
  timeoutSeconds: number;
}

/** Longest URL an app accepts, as most servers cap a request line. */
export const MAX_URL_LENGTH = 2048;
/**
 * Fetches nested inside one another (an app fetching itself fetching itself…): the
 * exchange is synchronous, so a loop would never end. Past this depth the app gives up.
 */
export const MAX_FETCH_DEPTH = 3;

let depth = 0;

const text = (status: number, body: string): HttpResponse => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body: `${body}\n`,
});

/**
 * A GET of `rawUrl` made by the app in container `inst`, as its HTTP client would:
 * from the pod's address, through its network (NetworkPolicy egress applies, as to
 * any process in the pod), with the pod's resolver. Answers with the upstream's status
 * and body (cut at `maxBytes`), or 502/504 with the client's error, as such apps do.
 */
export function fetchFromContainer(
  state: RuntimeState,
  inst: ContainerInstance,
  rawUrl: string,
  limits: UrlFetchLimits,
  now: number,
): HttpResponse {
  if (rawUrl.length > MAX_URL_LENGTH) return text(414, 'failed to fetch URL: URL too long');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return text(400, `failed to fetch URL: parse "${rawUrl}": invalid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return text(400, `failed to fetch URL: unsupported protocol scheme "${url.protocol.replace(/:$/, '')}"`);
  }
  const shown = url.toString();
  if (depth >= MAX_FETCH_DEPTH) return text(508, `failed to fetch ${shown}: too many nested fetches`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const pod = state.deps.store.get({ group: '', resource: 'pods' }, inst.namespace, inst.podName) as Pod | undefined;
  const node = state.nodes.get(inst.nodeName);
  const hostNet = inst.sec.hostNetwork;
  const resolv = parseResolvConf(viewOf(inst.mounts).stat('/etc/resolv.conf')?.content ?? '');
  const d = dial(
    state,
    {
      peer: hostNet
        ? { kind: 'node', name: inst.nodeName }
        : { kind: 'pod', namespace: inst.namespace, name: inst.podName },
      ip: hostNet ? (node?.ip ?? '') : (pod?.status?.podIP ?? node?.ips.get(inst.podUid) ?? ''),
      ...(pod ? { pod } : {}),
      nodeName: inst.nodeName,
      search: resolv.search,
      ndots: resolv.ndots,
    },
    host,
    port,
  );
  const timeout = `context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  if (!d.ok) {
    const cause =
      d.error === 'nxdomain'
        ? `dial tcp: lookup ${host}: no such host`
        : d.error === 'refused'
          ? `dial tcp ${d.ip}:${port}: connect: connection refused`
          : d.error === 'unreachable'
            ? `dial tcp ${d.ip}:${port}: connect: no route to host`
            : `dial tcp ${d.ip}:${port}: i/o timeout (after ${limits.timeoutSeconds}s)`;
    return text(d.error === 'timeout' ? 504 : 502, `failed to fetch ${shown}: ${cause}`);
  }
  if (url.protocol === 'https:' && !d.tls) {
    return text(502, `failed to fetch ${shown}: http: server gave HTTP response to HTTPS client`);
  }
  if (url.protocol === 'http:' && d.tls) {
    return {
      status: 400,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'Client sent an HTTP request to an HTTPS server.\n',
    };
  }
  if (url.protocol === 'https:' && d.kind !== 'internet') {
    return text(
      502,
      `failed to fetch ${shown}: tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
  }
  if (d.kind === 'process' && (d.proc?.listen?.kind === 'kv' || d.proc?.listen?.kind === 'tcp')) {
    return text(502, `failed to fetch ${shown}: malformed HTTP response`);
  }
  depth++;
  let res: HttpResponse;
  try {
    res = exchange(
      state,
      d,
      {
        method: 'GET',
        path: `${url.pathname}${url.search}`,
        headers: { Host: url.host, 'User-Agent': 'Go-http-client/1.1', 'Accept-Encoding': 'gzip' },
        body: '',
      },
      now,
    );
  } finally {
    depth--;
  }
  if (res.lost) return text(504, `failed to fetch ${shown}: ${timeout}`);
  const bytes = new TextEncoder().encode(res.body);
  const body = bytes.length > limits.maxBytes ? new TextDecoder().decode(bytes.slice(0, limits.maxBytes)) : res.body;
  const type = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return { status: res.status, headers: { 'Content-Type': type ?? 'text/plain; charset=utf-8' }, body };
}
