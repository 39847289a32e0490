import type { Pod } from 'kubernetes-types/core/v1';
import { KUBELET_PORT } from './kubelet-config.ts';
import { listenerInPod, listenerOnNode } from './listening.ts';
import type { InternetHost, Peer } from './network-port.ts';
import { nodeHost } from './node-host.ts';
import { type HttpRequest, type HttpResponse, header } from './services/http.ts';
import { kubeletResponse } from './services/kubelet-api.ts';
import { instanceMetadata, metadataResponse } from './services/metadata.ts';
import { serveHttp } from './services/serve.ts';
import type { Proc, RuntimeState } from './types.ts';

/** Where a dial from inside the cluster ended up. */
export type Dial =
  | {
      ok: true;
      ip: string;
      port: number;
      kind: 'process' | 'apiserver' | 'metadata' | 'internet' | 'kubelet';
      proc?: Proc;
      host?: InternetHost;
      nodeName?: string;
      /** For the metadata service: IP hops back to the caller (2 from the pod network). */
      hops?: number;
      tls: boolean;
    }
  | { ok: false; ip?: string; error: 'nxdomain' | 'timeout' | 'refused' | 'unreachable'; message: string };

/** Who dials: the peer the network judges, its own address and, for a pod, the pod (for localhost). */
export interface Dialer {
  peer: Peer;
  ip: string;
  pod?: Pod;
  nodeName?: string;
  /** The search list from /etc/resolv.conf. */
  search: string[];
  ndots: number;
}

const isIp = (s: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s);

/** A lookup with its outcome: the answer and the name that answered, NXDOMAIN, or a timeout (DNS blocked). */
export function lookupHost(
  state: RuntimeState,
  from: Dialer,
  name: string,
): { ips: string[]; name: string } | { error: 'NXDOMAIN' | 'TIMEOUT' } {
  if (isIp(name)) return { ips: [name], name };
  if (name === 'localhost') return { ips: ['127.0.0.1'], name };
  if (state.network.lookup) {
    const r = state.network.lookup(name, from.peer);
    return 'ips' in r ? { ips: r.ips, name: r.name } : { error: r.error };
  }
  return searchResolve(state, from, name) ?? { error: 'NXDOMAIN' };
}

/** The A records for `name` as the resolver library would find them (search list, ndots). */
export function resolveHost(state: RuntimeState, from: Dialer, name: string): string[] | undefined {
  const r = lookupHost(state, from, name);
  return 'ips' in r && r.ips.length ? r.ips : undefined;
}

function searchResolve(state: RuntimeState, from: Dialer, name: string): { ips: string[]; name: string } | undefined {
  const dots = (name.match(/\./g) ?? []).length;
  const candidates = name.endsWith('.')
    ? [name.slice(0, -1)]
    : dots >= from.ndots
      ? [name, ...from.search.map((s) => `${name}.${s}`)]
      : [...from.search.map((s) => `${name}.${s}`), name];
  for (const fqdn of candidates) {
    const ips = state.network.resolve(fqdn, from.peer);
    if (ips?.length) return { ips, name: fqdn };
  }
  return undefined;
}

/** Reads the search domains and ndots of a resolv.conf, which decide how short names resolve. */
export function parseResolvConf(text: string): { search: string[]; ndots: number } {
  const search =
    text
      .match(/^search\s+(.+)$/m)?.[1]
      ?.trim()
      .split(/\s+/) ?? [];
  const ndots = Number(text.match(/ndots:(\d+)/)?.[1] ?? 1);
  return { search, ndots };
}

/** Connects from a pod or node to a host and port through the simulated network, resolving the name first. */
export function dial(state: RuntimeState, from: Dialer, hostOrIp: string, port: number): Dial {
  const ips = resolveHost(state, from, hostOrIp);
  if (!ips) return { ok: false, error: 'nxdomain', message: `bad address '${hostOrIp}'` };
  const ip = ips[0]!;
  if (ip.startsWith('127.') || ip === from.ip) {
    const onNode = !from.pod || from.pod.spec?.hostNetwork === true;
    if (onNode && from.nodeName) {
      const special = nodePort(state, from.nodeName, port, ip);
      if (special) return special;
    }
    const proc =
      !onNode && from.pod
        ? listenerInPod(state, from.pod, port)
        : from.nodeName
          ? listenerOnNode(state, from.nodeName, port)
          : undefined;
    if (proc) return { ok: true, ip, port, kind: 'process', proc, tls: !!proc.listen?.tls };
    return { ok: false, ip, error: 'refused', message: 'Connection refused' };
  }
  const conn = state.network.connect(from.peer, ip, port);
  if (!conn.verdict.allowed) {
    const refused =
      conn.verdict.cause === 'not-listening' ||
      conn.verdict.cause === 'no-service-port' ||
      conn.verdict.cause === 'no-endpoints';
    const unreachable = conn.verdict.cause === 'no-route';
    return {
      ok: false,
      ip,
      error: refused ? 'refused' : unreachable ? 'unreachable' : 'timeout',
      message: conn.verdict.message,
    };
  }
  const target = conn.target;
  if (!target) return { ok: false, ip, error: 'refused', message: 'Connection refused' };
  switch (target.kind) {
    case 'apiserver':
      return { ok: true, ip, port, kind: 'apiserver', tls: true };
    case 'metadata':
      return {
        ok: true,
        ip,
        port,
        kind: 'metadata',
        nodeName: from.nodeName ?? '',
        hops: from.pod && !from.pod.spec?.hostNetwork ? 2 : 1,
        tls: false,
      };
    case 'internet':
      return { ok: true, ip, port, kind: 'internet', host: target.host, tls: port === 443 };
    case 'pod': {
      const pod = target.pod;
      // A hostNetwork pod shares the node's ports: the apiserver and kubelet answer as themselves.
      const special = pod.spec?.hostNetwork ? nodePort(state, pod.spec.nodeName ?? '', conn.port, ip) : undefined;
      if (special) return special;
      const proc = pod.spec?.hostNetwork
        ? listenerOnNode(state, pod.spec.nodeName ?? '', conn.port)
        : listenerInPod(state, pod, conn.port);
      if (!proc) return { ok: false, ip, error: 'refused', message: 'Connection refused' };
      return { ok: true, ip, port: conn.port, kind: 'process', proc, tls: !!proc.listen?.tls };
    }
    case 'node': {
      const name = target.node.metadata?.name ?? '';
      const special = nodePort(state, name, conn.port, ip);
      if (special) return special;
      const proc = listenerOnNode(state, name, conn.port);
      if (proc) return { ok: true, ip, port: conn.port, kind: 'process', proc, tls: !!proc.listen?.tls };
      return { ok: false, ip, error: 'refused', message: 'Connection refused' };
    }
  }
}

function nodePort(state: RuntimeState, nodeName: string, port: number, ip: string): Dial | undefined {
  if (port === KUBELET_PORT) {
    // A kubelet that failed to start listens nowhere.
    if (!nodeHost(state, nodeName).kubelet.config)
      return { ok: false, ip, error: 'refused', message: 'Connection refused' };
    return { ok: true, ip, port, kind: 'kubelet', nodeName, tls: true };
  }
  if (port === 6443 && nodeHost(state, nodeName).controlPlane)
    return { ok: true, ip, port, kind: 'apiserver', tls: true };
  return undefined;
}

/**
 * Sends an HTTP request over an established dial, waiting for servers that run
 * something first (the kubelet's `/run` executes a command in a container).
 */
export async function exchangeAsync(
  state: RuntimeState,
  d: Dial & { ok: true },
  req: HttpRequest,
  now: number,
): Promise<HttpResponse> {
  if (d.kind === 'kubelet') return kubeletResponse(state, nodeHost(state, d.nodeName ?? ''), req);
  return exchange(state, d, req, now);
}

/**
 * Sends an HTTP request over an established dial and returns what the server answers,
 * at once. The kubelet answers only through {@link exchangeAsync} (a shell's curl or
 * wget); here, from outside the cluster, it refuses every client as unauthenticated.
 */
export function exchange(state: RuntimeState, d: Dial & { ok: true }, req: HttpRequest, now: number): HttpResponse {
  switch (d.kind) {
    case 'metadata': {
      const host = state.nodes.get(d.nodeName ?? '');
      if (!host) return { status: 502, headers: {}, body: '', lost: true };
      return metadataResponse(
        req,
        { name: host.name, ip: host.ip },
        instanceMetadata(host),
        { hops: d.hops ?? 2 },
        now,
      );
    }
    case 'apiserver':
      return apiserver(state, req);
    case 'kubelet':
      return { status: 401, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Unauthorized' };
    case 'internet':
      return {
        status: 200,
        headers: { 'Content-Type': 'text/html; charset=UTF-8' },
        body: `<!doctype html>\n<html>\n<head><title>${d.host?.names[0] ?? d.ip}</title></head>\n<body><h1>${d.host?.names[0] ?? d.ip}</h1></body>\n</html>\n`,
      };
    case 'process':
      return serveHttp(state, d.proc!, req);
  }
}

function apiserver(state: RuntimeState, req: HttpRequest): HttpResponse {
  const callApi = state.deps.callApi;
  if (!callApi) return { status: 503, headers: {}, body: 'apiserver not reachable from the simulated runtime\n' };
  const token = header(req.headers, 'authorization')?.replace(/^Bearer\s+/i, '') ?? '';
  let body: unknown;
  if (req.body) {
    try {
      body = JSON.parse(req.body);
    } catch {
      body = req.body;
    }
  }
  const res = callApi(token, req.method, req.path, body);
  return {
    status: res.status,
    headers: { 'Content-Type': typeof res.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' },
    body: typeof res.body === 'string' ? res.body : `${JSON.stringify(res.body, null, 2)}\n`,
  };
}
