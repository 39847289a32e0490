import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeApi } from './kube-api.ts';
import { unreadableObject } from './kubelet-configs.ts';

/** The tag EC2 node groups put on an instance: the node's name. */
const HOSTNAME_TAG = 'kubernetes.io/hostname';

function hostnameOf(instance: Record<string, unknown>): string | undefined {
  const tags = Array.isArray(instance.Tags) ? (instance.Tags as Array<{ Key?: unknown; Value?: unknown }>) : [];
  const tag = tags.find((t) => t?.Key === HOSTNAME_TAG);
  return typeof tag?.Value === 'string' ? tag.Value : undefined;
}

/**
 * One EC2 `Instance` per Node, as the cloud's control plane describes it (`describe-instances`:
 * `InstanceId`, `MetadataOptions` and the rest in AWS's names), named after the node. The
 * metadata options decide what 169.254.169.254 answers; they are read from the cloud, not from
 * any object in the cluster, so an annotation or a label a learner writes proves nothing, and
 * the only way to change them is the cloud's API (`aws ec2 modify-instance-metadata-options`).
 * Judging every node, not only the ones a workload runs on now, keeps a pod that moves from
 * landing on an instance left open. A node whose instance cannot be found (or a cloud that
 * does not answer) gives an object that fails every check, with the reason.
 */
export async function cloudInstances(api: KubeApi, nodes: KubeObject[]): Promise<unknown[]> {
  const base = { apiVersion: 'ec2.amazonaws.com/v1', kind: 'Instance' };
  let instances: Record<string, unknown>[];
  try {
    instances = await api.cloudInstances();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return nodes.map((node) => unreadableObject({ ...base, metadata: { name: node.metadata.name ?? '' } }, reason));
  }
  return nodes.map((node) => {
    const name = node.metadata.name ?? '';
    const instance = instances.find((i) => hostnameOf(i) === name);
    if (!instance) {
      return unreadableObject({ ...base, metadata: { name } }, `no cloud instance is tagged ${HOSTNAME_TAG}=${name}`);
    }
    return { ...instance, ...base, metadata: { name } };
  });
}
