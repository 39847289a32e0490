/** GET of one object, and the computed componentstatuses (upstream: handlers/get.go). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { notFound } from '@paranoid/k8s/status.ts';
import { includeObject, methodNotAllowed, mustGet, type RequestScope, reply, typed, wantsTable } from './scope.ts';
import { columnsFor, toTable } from './table.ts';
import type { ApiResponse } from './types.ts';

/** The control plane components `kubectl get componentstatuses` reports, as kube-apiserver 1.32 probes them. */
const COMPONENTS = ['scheduler', 'controller-manager', 'etcd-0'];

/** `componentstatuses`: computed on each request, never stored; deprecated since 1.19, as the warning says. */
export function componentStatuses(scope: RequestScope): ApiResponse {
  scope.warnings.push('v1 ComponentStatus is deprecated in v1.19+');
  const status = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ComponentStatus',
    metadata: { name },
    conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
  });
  const table = (items: KubeObject[]) =>
    toTable(columnsFor(scope.def), items, {
      now: scope.ctx.clock.now(),
      includeObject: includeObject(scope.request),
      withDefinitions: true,
    });
  if (scope.info.verb === 'get') {
    if (!COMPONENTS.includes(scope.info.name)) throw notFound('', 'componentstatuses', scope.info.name);
    const one = status(scope.info.name);
    return reply(scope, 200, wantsTable(scope.request) ? table([one]) : one);
  }
  if (scope.info.verb !== 'list') throw methodNotAllowed();
  const items = COMPONENTS.map(status);
  if (wantsTable(scope.request)) return reply(scope, 200, table(items));
  return reply(scope, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items });
}

/** Serves a GET of one object, as a Table when the client asks for one. */
export function getOne(scope: RequestScope, namespace: string): ApiResponse {
  const o = typed(scope, mustGet(scope, namespace, scope.info.name));
  if (wantsTable(scope.request)) {
    return reply(
      scope,
      200,
      toTable(columnsFor(scope.def), [o], {
        now: scope.ctx.clock.now(),
        includeObject: includeObject(scope.request),
        withDefinitions: true,
        resourceVersion: o.metadata.resourceVersion,
      }),
    );
  }
  return reply(scope, 200, o);
}
