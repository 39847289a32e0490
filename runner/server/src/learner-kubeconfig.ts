import type { ClusterHandle } from '@paranoid/providers/provider.ts';

/**
 * The kubeconfig the learner's editor and shell use: the provider's learner credentials
 * where it has them (a ServiceAccount confined to the session's namespace on a shared
 * cluster), else the cluster's own, which on a cluster of the session's own is the learner's.
 */
export function learnerKubeconfig(cluster: ClusterHandle): string {
  return cluster.learnerKubeconfig ?? cluster.kubeconfig;
}
