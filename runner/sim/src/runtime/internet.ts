import type { InternetRequest, InternetResponse } from '@paranoid/k8s/internet.ts';
import { dial, exchange } from './netclient.ts';
import { runtimeState } from './state.ts';
import type { RuntimeDeps } from './types.ts';

export type { InternetRequest, InternetResponse } from '@paranoid/k8s/internet.ts';

/**
 * An HTTP(S) request from outside the cluster (the attacker on the internet, a
 * grader probe): a node address or LoadBalancer IP and port, through the network
 * (NodePort/LoadBalancer → the pod's process), answered by what that process does.
 */
export function requestFromInternet(deps: RuntimeDeps, req: InternetRequest): InternetResponse {
  const state = runtimeState(deps);
  const d = dial(state, { peer: { kind: 'internet' }, ip: '203.0.113.10', search: [], ndots: 1 }, req.host, req.port);
  if (!d.ok) {
    const error =
      d.error === 'nxdomain'
        ? `dial tcp: lookup ${req.host}: no such host`
        : d.error === 'refused'
          ? `dial tcp ${d.ip}:${req.port}: connect: connection refused`
          : d.error === 'unreachable'
            ? `dial tcp ${d.ip}:${req.port}: connect: no route to host`
            : `dial tcp ${d.ip}:${req.port}: i/o timeout`;
    return { ok: false, error };
  }
  const scheme = req.scheme ?? (d.tls ? 'https' : 'http');
  if (scheme === 'https' && !d.tls) return { ok: false, error: 'tls: first record does not look like a TLS handshake' };
  if (scheme === 'http' && d.tls) {
    return {
      ok: true,
      status: 400,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Client sent an HTTP request to an HTTPS server.\n',
    };
  }
  if (d.kind === 'process' && d.proc?.listen && (d.proc.listen.kind === 'kv' || d.proc.listen.kind === 'tcp')) {
    return { ok: false, error: 'malformed HTTP response' };
  }
  const res = exchange(
    state,
    d,
    { method: req.method ?? 'GET', path: req.path, headers: { Host: req.host, ...(req.headers ?? {}) }, body: '' },
    deps.clock.now(),
  );
  if (res.lost)
    return { ok: false, error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' };
  return {
    ok: true,
    status: res.status,
    headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: res.body,
  };
}
