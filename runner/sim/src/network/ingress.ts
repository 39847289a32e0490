import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1';
import type { NetworkContext } from './context.ts';
import type { ObjectRef } from './types.ts';

/** Where an ingress controller sends an HTTP request. */
export interface IngressRoute {
  ingress: ObjectRef;
  service: ObjectRef;
  /** The Service port (a named port resolved against the Service). */
  port: number;
  /** The rule path that matched; absent for the default backend. */
  path?: string;
}

function hostMatches(pattern: string | undefined, host: string): boolean {
  if (!pattern) return true;
  if (pattern.startsWith('*.')) {
    // A wildcard covers exactly one leading label.
    const rest = host.slice(host.indexOf('.') + 1);
    return host.includes('.') && rest === pattern.slice(2);
  }
  return pattern === host;
}

function pathMatches(type: string, path: string, request: string): boolean {
  if (type === 'Exact') return path === request;
  if (path === '/' || path === '') return true;
  const base = path.endsWith('/') ? path.slice(0, -1) : path;
  return request === base || request.startsWith(`${base}/`);
}

function backendOf(ctx: NetworkContext, ingress: Ingress, backend: IngressBackend | undefined) {
  const svcName = backend?.service?.name;
  if (!svcName) return undefined;
  const namespace = ingress.metadata?.namespace || 'default';
  const wanted = backend.service?.port;
  const svc = ctx.topology.serviceByKey.get(`${namespace}/${svcName}`);
  const port =
    wanted?.number ?? (wanted?.name ? svc?.spec?.ports?.find((p) => p.name === wanted.name)?.port : undefined);
  if (port === undefined) return undefined;
  return { service: { namespace, name: svcName }, port };
}

const refOf = (ingress: Ingress): ObjectRef => ({
  namespace: ingress.metadata?.namespace || 'default',
  name: ingress.metadata?.name ?? '',
});

/**
 * The backend an ingress controller picks for `host` and `path`, as
 * ingress-nginx does: the most specific host (exact, then a `*.` wildcard, then
 * rules without a host), then the longest matching path (Exact before Prefix
 * at equal length), else the first default backend. Ingresses are taken in
 * namespace/name order; `ingressClassName` narrows them to one class.
 */
export function routeIngressIn(
  ctx: NetworkContext,
  request: { host: string; path?: string; ingressClassName?: string },
): IngressRoute | undefined {
  const host = request.host.toLowerCase().replace(/:\d+$/, '');
  const path = request.path || '/';
  const ingresses = [...(ctx.topology.objects.ingresses ?? [])]
    .filter((i) => !request.ingressClassName || i.spec?.ingressClassName === request.ingressClassName)
    .sort((a, b) => `${refOf(a).namespace}/${refOf(a).name}`.localeCompare(`${refOf(b).namespace}/${refOf(b).name}`));
  let best: { route: IngressRoute; hostRank: number; pathScore: number } | undefined;
  for (const ingress of ingresses) {
    for (const rule of ingress.spec?.rules ?? []) {
      if (!hostMatches(rule.host, host)) continue;
      const hostRank = rule.host === undefined ? 2 : rule.host.startsWith('*.') ? 1 : 0;
      for (const p of rule.http?.paths ?? []) {
        const type = p.pathType ?? 'Prefix';
        const rulePath = p.path ?? '/';
        if (!pathMatches(type, rulePath, path)) continue;
        const pathScore = rulePath.length * 2 + (type === 'Exact' ? 1 : 0);
        if (best && (best.hostRank < hostRank || (best.hostRank === hostRank && best.pathScore >= pathScore))) continue;
        const target = backendOf(ctx, ingress, p.backend);
        if (target) best = { route: { ingress: refOf(ingress), ...target, path: rulePath }, hostRank, pathScore };
      }
    }
  }
  if (best) return best.route;
  for (const ingress of ingresses) {
    const target = backendOf(ctx, ingress, ingress.spec?.defaultBackend);
    if (target) return { ingress: refOf(ingress), ...target };
  }
  return undefined;
}
