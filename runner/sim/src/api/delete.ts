/** DELETE of one object or a collection, with finalizers, grace periods and propagation (upstream: handlers/delete.go). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { conflict, invalid, StatusError } from '@paranoid/k8s/status.ts';
import { decodeObject } from './body.ts';
import { afterDelete } from './fallback-controllers.ts';
import { selectorMatcher } from './list.ts';
import { type Any, clone, isDryRun, mustGet, type RequestScope, reply, storeKeyNamespace, typed } from './scope.ts';
import { type ApiRequest, type ApiResponse, queryParam } from './types.ts';
import { admissionDenial, admissionRequest } from './write.ts';

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** How long a deleted running pod takes to go when no kubelet says otherwise. */
const POD_STOP_SECONDS = 1;

/** The DeleteOptions body or query of a delete: propagation, grace period, preconditions and dry run. */
export interface DeleteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

function deleteOptions(request: ApiRequest): DeleteOptions {
  let opts: DeleteOptions = {};
  if (request.body && request.body.length > 0) {
    const body = decodeObject(request);
    opts = body as DeleteOptions;
  }
  const q = (k: string) => queryParam(request, k);
  if (q('propagationPolicy')) opts.propagationPolicy = q('propagationPolicy');
  if (q('gracePeriodSeconds') !== undefined) opts.gracePeriodSeconds = Number(q('gracePeriodSeconds'));
  if (q('orphanDependents') === 'true') opts.propagationPolicy = 'Orphan';
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw invalid('', 'DeleteOptions', '', [
      {
        field: 'propagationPolicy',
        message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        reason: 'FieldValueNotSupported',
      },
    ]);
  }
  return opts;
}

/** Deletes one object the way the registry does: finalizers and graceful pods wait, everything else goes now. */
export function deleteObject(
  scope: RequestScope,
  namespace: string,
  name: string,
  opts: DeleteOptions,
  dryRun: boolean,
): { object: KubeObject; deleted: boolean } {
  const { ctx, def } = scope;
  const live = mustGet(scope, namespace, name);
  if (opts.preconditions?.uid && opts.preconditions.uid !== live.metadata.uid) {
    throw conflict(
      def.group,
      def.resource,
      name,
      `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${live.metadata.uid}`,
    );
  }
  if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      def.group,
      def.resource,
      name,
      `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
    );
  }
  if (def.group === '' && def.resource === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) {
    // NamespaceLifecycle keeps the system namespaces.
    throw new StatusError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      name,
      kind: 'namespaces',
    });
  }
  for (const plugin of ctx.admission) {
    if (!plugin.validate) continue;
    const result = plugin.validate(
      admissionRequest(scope, { operation: 'DELETE', old: live, name, namespace, subresource: '', dryRun }),
      ctx.store,
    );
    scope.warnings.push(...result.warnings);
    if (result.denied) throw admissionDenial(scope, result.denied, name);
  }
  if (dryRun) return { object: live, deleted: false };
  if (live.metadata.deletionTimestamp) return { object: live, deleted: false };
  const finalizers = [...(live.metadata.finalizers ?? [])];
  if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
    finalizers.push('foregroundDeletion');
  const now = ctx.clock.now();
  const isNamespace = def.group === '' && def.resource === 'namespaces';
  const pod = def.group === '' && def.resource === 'pods';
  const podSpec = (live.spec as Any) ?? {};
  const phase = (live.status as Any)?.phase;
  let grace = 0;
  if (pod && podSpec.nodeName && phase !== 'Succeeded' && phase !== 'Failed') {
    grace = opts.gracePeriodSeconds ?? podSpec.terminationGracePeriodSeconds ?? 30;
    if (grace < 0) grace = 0;
  }
  if (finalizers.length === 0 && grace === 0 && !isNamespace) {
    const gone = ctx.store.delete(scope.gr, storeKeyNamespace(def, namespace), name);
    afterDelete(ctx, scope.gr, gone);
    return { object: gone, deleted: true };
  }
  const next = clone(live);
  next.metadata.deletionTimestamp = new Date(now + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  next.metadata.deletionGracePeriodSeconds = grace;
  next.metadata.finalizers = finalizers;
  if (isNamespace) next.status = { ...((next.status as Any) ?? {}), phase: 'Terminating' };
  if (finalizers.length === 0) delete next.metadata.finalizers;
  const uid = live.metadata.uid;
  const updated = ctx.store.update(scope.gr, next);
  if (pod && grace > 0 && finalizers.length === 0) {
    // What a kubelet does once the containers have stopped (most exit on SIGTERM at once); a
    // simulated kubelet wired through `onStart` may well do it sooner.
    ctx.clock.setTimer(Math.min(grace, POD_STOP_SECONDS) * 1000, () => {
      const cur = ctx.store.get(scope.gr, namespace, name);
      if (cur && cur.metadata.uid === uid && !(cur.metadata.finalizers ?? []).length) {
        const gone = ctx.store.delete(scope.gr, namespace, name);
        afterDelete(ctx, scope.gr, gone);
      }
    });
  }
  afterDelete(ctx, scope.gr, updated);
  return { object: updated, deleted: false };
}

/** Serves a DELETE of one object, honouring its finalizers, preconditions and propagation policy. */
export function remove(scope: RequestScope, namespace: string): ApiResponse {
  const opts = deleteOptions(scope.request);
  const dryRun = isDryRun(scope.request) || (opts.dryRun ?? []).includes('All');
  const { object, deleted } = deleteObject(scope, namespace, scope.info.name, opts, dryRun);
  const returnsObject = scope.def.group === '' && (scope.def.resource === 'pods' || scope.def.resource === 'services');
  if (deleted && !returnsObject) {
    return reply(scope, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: scope.info.name,
        ...(scope.def.group ? { group: scope.def.group } : {}),
        kind: scope.def.resource,
        uid: object.metadata.uid,
      },
    });
  }
  return reply(scope, deleted ? 200 : 200, typed(scope, object));
}

/** Serves a DELETE of a collection: deletes every object the selectors match. */
export function deleteCollection(scope: RequestScope, namespace: string): ApiResponse {
  const matches = selectorMatcher(scope);
  const opts = deleteOptions(scope.request);
  const dryRun = isDryRun(scope.request);
  const items: KubeObject[] = [];
  for (const o of scope.ctx.store
    .list(scope.gr, scope.def.namespaced && namespace ? namespace : undefined)
    .filter(matches)) {
    try {
      items.push(
        typed(scope, deleteObject(scope, o.metadata.namespace ?? '', o.metadata.name ?? '', opts, dryRun).object),
      );
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
  return reply(scope, 200, {
    kind: `${scope.def.kind}List`,
    apiVersion: scope.apiVersion,
    metadata: { resourceVersion: scope.ctx.store.resourceVersion() },
    items,
  });
}

// ---- subresources ----
