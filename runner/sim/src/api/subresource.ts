/** Routes a subresource request (status, scale, log, exec, token, binding, eviction, proxy, finalize). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest, StatusError } from '@paranoid/k8s/status.ts';
import { bind, evict } from './binding.ts';
import { decodeObject } from './body.ts';
import { getOne } from './get.ts';
import { patch } from './patch.ts';
import { execResponse, logResponse } from './pod-connect.ts';
import { portForwardResponse } from './port-forward.ts';
import { notFoundPath } from './respond.ts';
import { scale } from './scale.ts';
import { type Any, clone, methodNotAllowed, mustGet, type RequestScope, reply, typed } from './scope.ts';
import { tokenRequest } from './token-request.ts';
import type { ApiResponse } from './types.ts';
import { update } from './update.ts';

/** Routes a request for a subresource (status, scale, log, exec, ...) to its handler. */
export function handleSubresource(scope: RequestScope, namespace: string): ApiResponse {
  const { def, info } = scope;
  const sub = def.subresources?.find((s) => s.name === info.subresource);
  if (!sub || !info.name) throw notFoundPath();
  if (sub.name === 'proxy') return proxy(scope, namespace);
  const isConnect = ['exec', 'attach', 'portforward'].includes(sub.name);
  if (!isConnect && !sub.verbs.includes(info.verb)) throw methodNotAllowed();
  switch (sub.name) {
    case 'status':
    case 'ephemeralcontainers':
    case 'approval':
      if (info.verb === 'get') return getOne(scope, namespace);
      if (info.verb === 'update') return update(scope, namespace, sub.name === 'status' ? 'status' : sub.name);
      return patch(scope, namespace, sub.name === 'status' ? 'status' : sub.name);
    case 'scale':
      return scale(scope, namespace);
    case 'log':
      return logResponse(scope, namespace);
    case 'exec':
    case 'attach':
      return execResponse(scope, namespace, sub.name);
    case 'token':
      return tokenRequest(scope, namespace);
    case 'binding':
      return bind(scope, namespace, info.name, decodeObject(scope.request));
    case 'eviction':
      return evict(scope, namespace);
    case 'finalize':
      return finalize(scope);
    case 'portforward':
      return portForwardResponse(scope, namespace);
  }
  throw badRequest(`${def.resource}/${sub.name} is not supported by the simulated cluster`);
}

/** `pods|services|nodes/<name>/proxy/<path>`: handed to the network's proxy when one is wired. */
function proxy(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, request, info, user } = scope;
  const name = info.name.split(':').length === 3 ? info.name.split(':')[1]! : info.name.split(':')[0]!;
  mustGet(scope, namespace, name);
  if (!ctx.proxy) {
    throw new StatusError(
      503,
      'ServiceUnavailable',
      `no endpoints available for ${scope.def.kind.toLowerCase()} "${info.name}"`,
    );
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    if (v !== undefined && k !== 'authorization' && !k.startsWith('impersonate-'))
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  const result = ctx.proxy(
    {
      resource: scope.def.resource as 'pods' | 'services' | 'nodes',
      namespace,
      name: info.name,
      path: info.proxyPath ?? '/',
      method: request.method,
      query: request.query,
      headers,
      ...(request.body ? { body: request.body } : {}),
    },
    user,
  );
  const body = typeof result.body === 'string' ? new TextEncoder().encode(result.body) : result.body;
  return { kind: 'body', status: result.status, headers: result.headers, body };
}

function finalize(scope: RequestScope): ApiResponse {
  const { ctx, info } = scope;
  const body = decodeObject(scope.request) as KubeObject;
  const live = mustGet(scope, '', info.name);
  const next = clone(live);
  next.spec = { ...((next.spec as Any) ?? {}), finalizers: (body.spec as Any)?.finalizers ?? [] };
  if (!(next.spec as Any).finalizers?.length) delete (next.spec as Any).finalizers;
  const updated = ctx.store.update(scope.gr, next);
  return reply(scope, 200, typed(scope, updated));
}
