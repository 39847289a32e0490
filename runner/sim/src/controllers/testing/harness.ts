import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { ManualClock, SequentialIds } from '../../clock.ts';
import { createMemoryStore } from '../../store/memory-store.ts';
import type { ControllerContext } from '../context.ts';
import { startControllers } from '../index.ts';
import { R } from '../resources.ts';

/** A store, a pinned clock and running controllers: what each controller test starts from. */
export function harness(options: Partial<ControllerContext> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const ids = new SequentialIds();
  // The cluster's own store, so the tests see what the registry does (generation, deletion on the last finalizer).
  const store = createMemoryStore({ clock, ids });
  const stop = startControllers({ store, clock, ids, ...options });
  const settle = (ms = 0) => clock.advance(ms);
  const create = (resource: GroupResource, obj: KubeObject) => store.create(resource, obj);
  const events = (namespace = 'default') =>
    store
      .list(R.events, namespace)
      .map(
        (e) =>
          `${e.type} ${e.reason} ${(e.involvedObject as { kind: string; name: string }).kind}/${(e.involvedObject as { name: string }).name}: ${e.message}`,
      );
  return { clock, ids, store, stop, settle, create, events };
}

export function namespace(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function node(
  name: string,
  opts: { controlPlane?: boolean; cidr?: string; labels?: Record<string, string> } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(opts.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
        ...(opts.labels ?? {}),
      },
    },
    spec: {
      podCIDR: opts.cidr ?? '10.244.1.0/24',
      ...(opts.controlPlane
        ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }
        : {}),
    },
    status: {
      allocatable: { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
    },
  };
}

/** Three nodes like kind's: a tainted control plane and two workers. */
export function threeNodes(store: { create(r: GroupResource, o: KubeObject): KubeObject }): void {
  store.create(R.nodes, node('paranoid-control-plane', { controlPlane: true, cidr: '10.244.0.0/24' }));
  store.create(R.nodes, node('paranoid-worker', { cidr: '10.244.1.0/24' }));
  store.create(R.nodes, node('paranoid-worker2', { cidr: '10.244.2.0/24' }));
}

export function deployment(name: string, replicas = 3, image = 'nginx:1.27'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image, ports: [{ name: 'http', containerPort: 80 }] }] },
      },
    },
  };
}
