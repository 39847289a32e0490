import type { RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import { badRequest } from '@paranoid/k8s/status.ts';

/** What a resource URL names (k8s.io/apiserver request.RequestInfo). */
export interface ResourceRequestInfo {
  group: string;
  version: string;
  /** '' for cluster-scoped resources and cross-namespace lists. */
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  verb: string;
  /** For `.../proxy/<path>`: the path after `proxy`, with its leading slash. */
  proxyPath?: string;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * The attributes the authorizer judges a resource request by, taken from its URL and verb alone
 * (upstream: GetAuthorizerAttributes in endpoints/filters/authorization.go), so a request is judged
 * the same whether or not the resource it names exists.
 */
export function resourceAttributes(user: UserInfo, info: ResourceRequestInfo): RequestAttributes {
  return {
    user,
    resourceRequest: true,
    verb: info.verb,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

/** Parses `/api/v1/...` or `/apis/<g>/<v>/...` below the group-version; undefined for discovery paths. */
export function parseResourcePath(
  path: string,
  method: string,
  query: Record<string, string[]>,
): ResourceRequestInfo | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return undefined;
  rest = rest.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw badRequest(`invalid path segment ${p}`);
    }
  });
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = '', ...extra] = rest;
  if (extra.length > 0 && subresource !== 'proxy') throw badRequest(`unexpected path ${path}`);
  const proxyPath = subresource === 'proxy' ? `/${extra.join('/')}` : undefined;
  // For the namespaces resource itself the namespace is its name (RBAC scopes `get namespace x` to x).
  if (resource === 'namespaces' && rest[0] === 'namespaces') namespace = name;
  let verb: string;
  const watch = watchPath || query.watch?.[0] === 'true' || query.watch?.[0] === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watch ? 'watch' : name ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = '';
  }
  // Connecting over a WebSocket upgrade is a GET, but kube-apiserver 1.32
  // (AuthorizePodWebsocketUpgradeCreatePermission) requires `create`, as for the SPDY POST.
  if (method === 'GET' && resource === 'pods' && ['exec', 'attach', 'portforward'].includes(subresource))
    verb = 'create';
  return {
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
    verb,
    ...(proxyPath !== undefined ? { proxyPath } : {}),
  };
}
