import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeApi } from './kube-api.ts';

/** Where the grader notes, on an object it made itself, why it could not read it. */
const UNREADABLE = Symbol('unreadable');

/** Why the grader could not read this object, when it could not. A learner cannot set it: it is a symbol. */
export function unreadable(object: unknown): string | undefined {
  return typeof object === 'object' && object !== null
    ? ((object as { [UNREADABLE]?: string })[UNREADABLE] ?? undefined)
    : undefined;
}

/** An object the grader made in place of one it could not read: it fails every check, with `reason`. */
export function unreadableObject(object: Record<string, unknown>, reason: string): Record<string, unknown> {
  return { ...object, [UNREADABLE]: reason };
}

/**
 * One `KubeletConfiguration` per Node: what its kubelet runs with now, read through the
 * API server's node proxy (`/configz`), named after the node. This is what kube-bench's
 * kubelet checks want to know; reading the running configuration rather than the file
 * means an edited file without a restart does not pass, and the answer comes from the
 * kubelet itself, which no object a learner writes can change. A kubelet that does not
 * answer gives an object that fails every check.
 */
export async function kubeletConfigs(api: KubeApi, nodes: KubeObject[]): Promise<unknown[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const name = node.metadata.name ?? '';
      const base = { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration' };
      try {
        const config = await api.kubeletConfig(name);
        return { ...config, ...base, metadata: { name } };
      } catch (error) {
        return unreadableObject(
          { ...base, metadata: { name } },
          error instanceof Error ? error.message : String(error),
        );
      }
    }),
  );
}
