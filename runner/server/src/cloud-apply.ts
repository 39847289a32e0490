import { applyCloudChanges } from '@paranoid/catalog/apply.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import type { ApplyResult } from '@paranoid/kube/cluster-client.ts';
import type { ClusterHandle } from '@paranoid/providers/provider.ts';
import type { CloudChange } from '@paranoid/schema/scenario.ts';
import { learnerKubeconfig } from './learner-kubeconfig.ts';

/**
 * A `cloud.yaml` pasted into the editor, applied as `validate` applies a change set's: each
 * entry on the instance of every node it selects, through the cloud's API. It goes with the
 * learner's own kubeconfig, as the terminal's `aws` does, so the editor can change nothing the
 * learner's shell could not (on a shared cluster the cloud's admin-only endpoint refuses it). One
 * result per instance changed, or one failure with the cloud's own words; what changed before a
 * failure stays changed, as with `aws`.
 */
export async function applyCloudFromEditor(cluster: ClusterHandle, changes: CloudChange[]): Promise<ApplyResult[]> {
  const kube = new KubeClient(learnerKubeconfig(cluster));
  try {
    const changed = await applyCloudChanges(kube, changes);
    return changed.map((id) => ({ ok: true, kind: 'Instance', name: id, action: 'configured' }));
  } catch (error) {
    return [
      {
        ok: false,
        kind: 'Instance',
        name: 'cloud.yaml',
        code: 'ClusterError',
        message: error instanceof Error ? error.message : String(error),
      },
    ];
  } finally {
    kube.close();
  }
}
