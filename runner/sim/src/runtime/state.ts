import type { ObjectStore } from '../store.ts';
import { createBasicNetwork } from './network-port.ts';
import type { RuntimeDeps, RuntimeState } from './types.ts';

const states = new WeakMap<ObjectStore, RuntimeState>();

/** The runtime state of the cluster behind `store`, created by the kubelet on first use. */
export function runtimeState(deps: RuntimeDeps): RuntimeState {
  let state = states.get(deps.store);
  if (!state) {
    state = { deps, nodes: new Map(), pods: new Map(), network: deps.network ?? createBasicNetwork(deps.store) };
    states.set(deps.store, state);
  } else {
    // Later callers may bring what the first lacked (callApi, network).
    state.deps = { ...state.deps, ...Object.fromEntries(Object.entries(deps).filter(([, v]) => v !== undefined)) };
    if (deps.network) state.network = deps.network;
  }
  return state;
}

/** The state if a kubelet runs for this store. */
export function existingState(store: ObjectStore): RuntimeState | undefined {
  return states.get(store);
}
