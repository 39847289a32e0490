/** The REST entry point for a served resource: authorizes, then routes by verb and subresource (upstream: endpoints/installer.go). */
import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { ResourceDef } from '../resources.ts';
import type { ApiContext } from './context.ts';
import { create } from './create.ts';
import { deleteCollection, remove } from './delete.ts';
import { componentStatuses, getOne } from './get.ts';
import { list, watch } from './list.ts';
import { patch } from './patch.ts';
import { type ResourceRequestInfo, resourceAttributes } from './request-info.ts';
import { mustAuthorize, notFoundPath } from './respond.ts';
import { handleMetrics, handleReview } from './reviews.ts';
import { methodNotAllowed, type RequestScope } from './scope.ts';
import { handleSubresource } from './subresource.ts';
import type { ApiRequest, ApiResponse } from './types.ts';
import { update } from './update.ts';

/** Entry point for a request on a served resource. */
export function handleResource(
  ctx: ApiContext,
  request: ApiRequest,
  user: UserInfo,
  def: ResourceDef,
  info: ResourceRequestInfo,
): ApiResponse {
  const scope: RequestScope = {
    ctx,
    request,
    user,
    def,
    info,
    gr: { group: def.group, resource: def.resource },
    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
    warnings: [],
  };
  const isNamespaceResource = def.group === '' && def.resource === 'namespaces';
  if (!def.namespaced && info.namespace && !isNamespaceResource) throw notFoundPath();
  mustAuthorize(ctx, resourceAttributes(user, info));
  if (def.group === 'metrics.k8s.io') return handleMetrics(scope);
  if (def.group === '' && def.resource === 'componentstatuses') return componentStatuses(scope);
  if (def.virtual) {
    if (info.verb !== 'create' || info.name) throw methodNotAllowed();
    return handleReview(scope);
  }
  const namespace = def.namespaced ? info.namespace : '';
  if (info.subresource) return handleSubresource(scope, namespace);
  if (def.namespaced && !namespace && !['list', 'watch'].includes(info.verb)) {
    throw info.verb === 'create' ? methodNotAllowed() : notFoundPath();
  }
  if (!def.verbs.includes(info.verb)) throw methodNotAllowed();
  // Collections take no PUT or PATCH, and named objects no POST.
  if ((info.verb === 'update' || info.verb === 'patch') && !info.name) throw methodNotAllowed();
  if (info.verb === 'create' && info.name) throw methodNotAllowed();
  switch (info.verb) {
    case 'get':
      return getOne(scope, namespace);
    case 'list':
      return list(scope, namespace);
    case 'watch':
      return watch(scope, namespace);
    case 'create':
      return create(scope, namespace);
    case 'update':
      return update(scope, namespace, '');
    case 'patch':
      return patch(scope, namespace, '');
    case 'delete':
      return remove(scope, namespace);
    case 'deletecollection':
      return deleteCollection(scope, namespace);
  }
  throw methodNotAllowed();
}
