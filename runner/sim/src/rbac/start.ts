/**
 * The onStart hook that gives a new cluster its RBAC: seeds the default roles and
 * bindings (skipping any already stored, so a restored cluster keeps its edits)
 * and keeps aggregated ClusterRoles current.
 */
import type { Clock } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import { clusterRoleAggregation } from './aggregation.ts';
import { RBAC_GROUP } from './authorizer.ts';
import { bootstrapRbacObjects } from './bootstrap.ts';

const RESOURCE_OF: Record<string, string> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

/** onStart hook: `(ctx: { store, clock }) => stop`. */
export function startRbac(ctx: { store: ObjectStore; clock: Clock }): () => void {
  const { store } = ctx;
  for (const obj of bootstrapRbacObjects()) {
    const gr = { group: RBAC_GROUP, resource: RESOURCE_OF[obj.kind]! };
    if (!store.get(gr, obj.metadata.namespace, obj.metadata.name ?? '')) store.create(gr, obj);
  }
  return clusterRoleAggregation(store, ctx.clock);
}
