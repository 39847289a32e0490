import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import type { ApiContext } from './context.ts';

/**
 * The least a cluster needs so that deleting works when no controllers are
 * wired (`ApiContext.fallbackControllers`): namespace finalization (delete
 * the contents, then drop the `kubernetes` finalizer), background garbage
 * collection by ownerReferences, and the `orphan` and `foregroundDeletion`
 * finalizers. Real controllers from `../controllers` replace all of it.
 */
export function afterDelete(ctx: ApiContext, resource: GroupResource, object: KubeObject): void {
  if (!ctx.fallbackControllers) return;
  ctx.clock.setTimer(0, () => {
    try {
      reconcile(ctx, resource, object);
    } catch (error) {
      console.error('fallback garbage collection failed', error);
    }
  });
}

const RETRY_MS = 1000;

function stored(ctx: ApiContext): { gr: GroupResource; namespaced: boolean }[] {
  const seen = new Set<string>();
  const out: { gr: GroupResource; namespaced: boolean }[] = [];
  for (const r of ctx.resources) {
    if (r.virtual) continue;
    const key = `${r.group}/${r.resource}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ gr: { group: r.group, resource: r.resource }, namespaced: r.namespaced });
  }
  return out;
}

function dependents(ctx: ApiContext, owner: KubeObject): { gr: GroupResource; object: KubeObject }[] {
  const uid = owner.metadata.uid;
  const out: { gr: GroupResource; object: KubeObject }[] = [];
  for (const { gr, namespaced } of stored(ctx)) {
    const ns = namespaced ? owner.metadata.namespace || undefined : undefined;
    for (const o of ctx.store.list(gr, ns)) {
      if ((o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) out.push({ gr, object: o });
    }
  }
  return out;
}

function deleteNow(ctx: ApiContext, gr: GroupResource, o: KubeObject): void {
  const current = ctx.store.get(gr, o.metadata.namespace, o.metadata.name ?? '');
  if (!current || current.metadata.uid !== o.metadata.uid) return;
  if ((current.metadata.finalizers ?? []).length > 0) {
    if (!current.metadata.deletionTimestamp) {
      current.metadata.deletionTimestamp = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      current.metadata.deletionGracePeriodSeconds = 0;
      ctx.store.update(gr, current);
    }
    return;
  }
  const gone = ctx.store.delete(gr, current.metadata.namespace, current.metadata.name ?? '');
  afterDelete(ctx, gr, gone);
}

function removeFinalizer(ctx: ApiContext, gr: GroupResource, o: KubeObject, finalizer: string): void {
  const current = ctx.store.get(gr, o.metadata.namespace, o.metadata.name ?? '');
  if (!current) return;
  current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  if (current.metadata.finalizers.length === 0) delete current.metadata.finalizers;
  const result = ctx.store.update(gr, current);
  if (!ctx.store.get(gr, o.metadata.namespace, o.metadata.name ?? '')) afterDelete(ctx, gr, result);
}

function reconcile(ctx: ApiContext, gr: GroupResource, object: KubeObject): void {
  const current = ctx.store.get(gr, object.metadata.namespace, object.metadata.name ?? '');
  const alive = current && current.metadata.uid === object.metadata.uid;
  if (!alive) {
    // Gone: collect its dependents in the background.
    for (const d of dependents(ctx, object)) {
      const refs = d.object.metadata.ownerReferences ?? [];
      if (refs.length > 1) {
        d.object.metadata.ownerReferences = refs.filter((r) => r.uid !== object.metadata.uid);
        ctx.store.update(d.gr, d.object);
      } else deleteNow(ctx, d.gr, d.object);
    }
    return;
  }
  if (!current.metadata.deletionTimestamp) return;
  const finalizers = current.metadata.finalizers ?? [];
  if (finalizers.includes('orphan')) {
    for (const d of dependents(ctx, current)) {
      d.object.metadata.ownerReferences = (d.object.metadata.ownerReferences ?? []).filter(
        (r) => r.uid !== current.metadata.uid,
      );
      if (d.object.metadata.ownerReferences.length === 0) delete d.object.metadata.ownerReferences;
      ctx.store.update(d.gr, d.object);
    }
    removeFinalizer(ctx, gr, current, 'orphan');
    return;
  }
  if (finalizers.includes('foregroundDeletion')) {
    const deps = dependents(ctx, current);
    for (const d of deps) deleteNow(ctx, d.gr, d.object);
    if (dependents(ctx, current).length === 0) removeFinalizer(ctx, gr, current, 'foregroundDeletion');
    else ctx.clock.setTimer(RETRY_MS, () => reconcile(ctx, gr, object));
    return;
  }
  if (gr.group === '' && gr.resource === 'namespaces') finalizeNamespace(ctx, current);
}

function finalizeNamespace(ctx: ApiContext, ns: KubeObject): void {
  const name = ns.metadata.name ?? '';
  let remaining = 0;
  for (const { gr, namespaced } of stored(ctx)) {
    if (!namespaced) continue;
    for (const o of ctx.store.list(gr, name)) {
      deleteNow(ctx, gr, o);
      if (ctx.store.get(gr, name, o.metadata.name ?? '')) remaining++;
    }
  }
  if (remaining > 0) {
    ctx.clock.setTimer(RETRY_MS, () => reconcile(ctx, { group: '', resource: 'namespaces' }, ns));
    return;
  }
  const current = ctx.store.get({ group: '', resource: 'namespaces' }, undefined, name);
  if (!current) return;
  const spec = (current.spec as { finalizers?: string[] }) ?? {};
  spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== 'kubernetes');
  if (spec.finalizers.length === 0) delete spec.finalizers;
  current.spec = spec;
  ctx.store.update({ group: '', resource: 'namespaces' }, current);
}
