import type { ObjectStore } from '../store.ts';
import { nodeHost } from './node-host.ts';
import { existingState } from './state.ts';

/**
 * Marks images as already present on every node of the cluster behind `store`, as
 * `kind load docker-image` leaves a scenario's images on kind's nodes: a pod using one
 * with `IfNotPresent` starts without the pull (events say "already present on machine").
 * References the registry does not know are skipped, so a missing image still fails to
 * pull. Returns the references loaded. Call it after the cluster has started (the kubelet
 * owns the node hosts).
 */
export function preloadImages(store: ObjectStore, references: readonly string[]): string[] {
  const state = existingState(store);
  if (!state) throw new Error('failed to preload images: no kubelet runs for this cluster');
  const nodes = store.list({ group: '', resource: 'nodes' }).map((n) => n.metadata.name ?? '');
  const loaded: string[] = [];
  for (const ref of references) {
    const pulled = state.deps.registry.pull(ref);
    if (!pulled.ok) continue;
    for (const name of nodes) if (name) nodeHost(state, name).pulled.add(pulled.imageRef);
    loaded.push(ref);
  }
  return loaded;
}
