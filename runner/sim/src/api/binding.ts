/** pods/binding and pods/eviction: scheduling a pod to a node, and evicting it. */
import { conflict, notFound } from '@paranoid/k8s/status.ts';
import { decodeObject } from './body.ts';
import { type DeleteOptions, deleteObject } from './delete.ts';
import { type Any, isDryRun, nowString, type RequestScope, reply } from './scope.ts';
import type { ApiResponse } from './types.ts';

/** Binds a pod to a node (pods/binding and the bindings resource). */
export function bind(scope: RequestScope, namespace: string, podName: string, binding: Any): ApiResponse {
  const { ctx } = scope;
  const target = binding.target ?? {};
  const name = binding.metadata?.name ?? podName;
  const pods = { group: '', resource: 'pods' };
  const pod = ctx.store.get(pods, namespace, name);
  if (!pod) throw notFound('', 'pods', name);
  const spec = (pod.spec as Any) ?? {};
  if (spec.nodeName)
    throw conflict('', 'pods/binding', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  if (pod.metadata.deletionTimestamp)
    throw conflict('', 'pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  spec.nodeName = target.name;
  pod.spec = spec;
  const st = (pod.status as Any) ?? {};
  const conds: Any[] = (st.conditions ?? []).filter((c: Any) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowString(ctx) });
  st.conditions = conds;
  pod.status = st;
  if (!isDryRun(scope.request)) ctx.store.update(pods, pod);
  return reply(scope, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/**
 * Serves a pod's eviction subresource: deletes the pod with the Eviction's delete options (no
 * PodDisruptionBudget is consulted).
 */
export function evict(scope: RequestScope, namespace: string): ApiResponse {
  const body = decodeObject(scope.request) as Any;
  const opts: DeleteOptions = body.deleteOptions ?? {};
  const podScope: RequestScope = { ...scope, def: { ...scope.def }, gr: { group: '', resource: 'pods' } };
  deleteObject(podScope, namespace, scope.info.name, opts, isDryRun(scope.request));
  return reply(scope, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
