import type { Pod } from 'kubernetes-types/core/v1';
import type { Clock } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import { existingState } from './state.ts';
import { rfc3339 } from './time.ts';

/** metrics.k8s.io/v1beta1 PodMetrics, as metrics-server serves it (cpu in nanocores, memory in Ki). */
export type PodMetrics = {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: { cpu: string; memory: string } }>;
};

/** A node's usage as metrics-server reports it (`kubectl top node`). */
export type NodeMetrics = {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
};

const cpu = (milli: number) => `${Math.round(milli * 1_000_000)}n`;
const mem = (bytes: number) => `${Math.round(bytes / 1024)}Ki`;

/**
 * Resource usage of running containers and nodes, from what their processes
 * demand (capped by CPU limits, i.e. throttled). Backs the metrics.k8s.io API that
 * `kubectl top` reads.
 */
export function metricsFor(
  store: ObjectStore,
  clock: Clock,
): { pods(namespace?: string): PodMetrics[]; nodes(): NodeMetrics[] } {
  const window = '10.035s';
  return {
    pods(namespace) {
      const state = existingState(store);
      const now = rfc3339(clock.now());
      const out: PodMetrics[] = [];
      for (const obj of store.list({ group: '', resource: 'pods' }, namespace)) {
        const pod = obj as unknown as Pod;
        if (pod.status?.phase !== 'Running') continue;
        const rec = state?.pods.get(pod.metadata?.uid ?? '');
        if (!rec) continue;
        const containers = [...rec.containers.values()].filter((c) => c.state === 'running');
        if (!containers.length) continue;
        out.push({
          kind: 'PodMetrics',
          apiVersion: 'metrics.k8s.io/v1beta1',
          metadata: {
            name: pod.metadata!.name!,
            namespace: pod.metadata!.namespace!,
            creationTimestamp: now,
            ...(pod.metadata?.labels ? { labels: pod.metadata.labels } : {}),
          },
          timestamp: now,
          window,
          containers: containers.map((c) => ({
            name: c.name,
            usage: {
              cpu: cpu(c.procs.reduce((s, p) => s + p.cpuMilli, 0)),
              memory: mem(c.procs.reduce((s, p) => s + p.memBytes, 0)),
            },
          })),
        });
      }
      return out;
    },
    nodes() {
      const state = existingState(store);
      const now = rfc3339(clock.now());
      return store.list({ group: '', resource: 'nodes' }).map((n) => {
        const host = state?.nodes.get(n.metadata.name!);
        const procs = host?.procs ?? [];
        return {
          kind: 'NodeMetrics' as const,
          apiVersion: 'metrics.k8s.io/v1beta1' as const,
          metadata: {
            name: n.metadata.name!,
            creationTimestamp: now,
            ...(n.metadata.labels ? { labels: n.metadata.labels } : {}),
          },
          timestamp: now,
          window,
          usage: {
            cpu: cpu(procs.reduce((s, p) => s + p.cpuMilli, 0) + 60),
            memory: mem(procs.reduce((s, p) => s + p.memBytes, 0) + 600 * 1024 * 1024),
          },
        };
      });
    },
  };
}
