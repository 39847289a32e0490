/** LIST and WATCH of a collection, with label and field selectors (upstream: handlers/get.go ListResource, handlers/watch.go). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest } from '@paranoid/k8s/status.ts';
import { negotiate } from './respond.ts';
import { includeObject, type RequestScope, reply, typed, wantsTable } from './scope.ts';
import { fieldMatcher, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { columnsFor, toTable } from './table.ts';
import { type ApiResponse, queryParam } from './types.ts';
import { watchResponse } from './watch.ts';

/** The request's label and field selectors as one test; an unsupported field label is the apiserver's 400. */
export function selectorMatcher(scope: RequestScope): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(queryParam(scope.request, 'labelSelector') ?? '');
  // The bare `field label not supported: …`: kubectl itself wraps list errors as `Unable to find "…" that match …`.
  const fields = fieldMatcher(scope.def.resource, parseFieldSelector(queryParam(scope.request, 'fieldSelector') ?? ''));
  return (o) => matchesLabels(labels, o.metadata.labels) && fields(o);
}

/** GET on a collection: the stored objects that match, as a List or a Table, with continue tokens and a resourceVersion. */
export function list(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, request, def } = scope;
  const matches = selectorMatcher(scope);
  const rv = ctx.store.resourceVersion();
  // Read-only from here to the encoded response: the stored objects are not copied.
  let items = (ctx.store.scan(scope.gr, def.namespaced && namespace ? namespace : undefined) as KubeObject[]).filter(
    matches,
  );
  const limit = Number(queryParam(request, 'limit') ?? 0);
  let offset = 0;
  const cont = queryParam(request, 'continue');
  if (cont) {
    try {
      const token = JSON.parse(atob(cont)) as { o: number };
      offset = Number(token.o) || 0;
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
  }
  let continueToken: string | undefined;
  if (offset) items = items.slice(offset);
  if (limit > 0 && items.length > limit) {
    continueToken = btoa(JSON.stringify({ o: offset + limit, rv }));
    items = items.slice(0, limit);
  }
  const typedItems = items.map((o) => typed(scope, o));
  if (wantsTable(request)) {
    return reply(
      scope,
      200,
      toTable(columnsFor(def), typedItems, {
        now: ctx.clock.now(),
        includeObject: includeObject(request),
        withDefinitions: true,
        resourceVersion: rv,
        continueToken,
      }),
    );
  }
  return reply(scope, 200, {
    kind: `${def.kind}List`,
    apiVersion: scope.apiVersion,
    metadata: { resourceVersion: rv, ...(continueToken ? { continue: continueToken } : {}) },
    items: typedItems,
  });
}

/** GET with `?watch=true`: the matching changes from a resourceVersion on, as a stream of watch events. */
export function watch(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, request, def } = scope;
  negotiate(request);
  const matches = selectorMatcher(scope);
  const table = wantsTable(request);
  const columns = columnsFor(def);
  const timeout = queryParam(request, 'timeoutSeconds');
  return watchResponse(ctx, {
    resource: scope.gr,
    namespace: def.namespaced ? namespace : '',
    matches,
    resourceVersion: queryParam(request, 'resourceVersion'),
    timeoutSeconds: timeout ? Number(timeout) : undefined,
    allowBookmarks: queryParam(request, 'allowWatchBookmarks') === 'true',
    sendInitialEvents: queryParam(request, 'sendInitialEvents') === 'true',
    listKind: { apiVersion: scope.apiVersion, kind: def.kind },
    contentType: 'application/json',
    encode: (o, first) =>
      table
        ? toTable(columns, [typed(scope, o)], {
            now: ctx.clock.now(),
            includeObject: includeObject(request),
            withDefinitions: first,
            resourceVersion: o.metadata.resourceVersion,
          })
        : typed(scope, o),
  });
}
