import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { ManualClock, SequentialIds } from '../../clock.ts';
import { builtinImages } from '../../runtime/images/builtin.ts';
import { createImageRegistry } from '../../runtime/images/registry.ts';
import { startKubelet } from '../../runtime/kubelet.ts';
import { createMemoryStore } from '../../store/memory-store.ts';
import type { ControllerContext } from '../context.ts';
import { startControllers } from '../index.ts';
import { R } from '../resources.ts';

/** Lets promises that timers resolved (a container's script between two sleeps) take their turn. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A store, a pinned clock, running controllers and the cluster's own kubelet: what each controller
 * test starts from. Pods start, become Ready and finish as they do on a simulated node (pull, probes,
 * the container's own command), so a test decides when through the clock and the pod's spec.
 */
export function harness(options: Partial<ControllerContext> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const ids = new SequentialIds();
  // The cluster's own store, so the tests see what the registry does (generation, deletion on the last finalizer).
  const store = createMemoryStore({ clock, ids });
  const stopControllers = startControllers({ store, clock, ids, ...options });
  const stopKubelet = startKubelet({ store, clock, ids, registry: createImageRegistry(builtinImages) });
  const stop = () => {
    stopKubelet();
    stopControllers();
  };
  /** Runs the controllers' queues without moving the clock (the kubelet's pulls take time, so pods stay Pending). */
  const settle = (ms = 0) => clock.advance(ms);
  /** Runs the clock for `ms` in steps of `step`, giving the containers' scripts their turn between steps. */
  const run = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      await flush();
    }
  };
  /**
   * Runs the clock until every scheduled pod has started and nothing in the cluster has changed
   * for a second (controllers, kubelet and all), or `maxMs` passed: the state a rollout settles in.
   */
  const rollForward = async (maxMs = 60_000) => {
    let quiet = 0;
    for (let t = 0; t < maxMs && quiet < 1000; t += 100) {
      const before = store.resourceVersion();
      await run(100);
      const waiting = store
        .list(R.pods)
        .some(
          (p) => (p.spec as { nodeName?: string }).nodeName && (p.status as { phase?: string })?.phase === 'Pending',
        );
      quiet = store.resourceVersion() === before && !waiting ? quiet + 100 : 0;
    }
  };
  const create = (resource: GroupResource, obj: KubeObject) => store.create(resource, obj);
  const events = (namespace = 'default') =>
    store
      .list(R.events, namespace)
      .map(
        (e) =>
          `${e.type} ${e.reason} ${(e.involvedObject as { kind: string; name: string }).kind}/${(e.involvedObject as { name: string }).name}: ${e.message}`,
      );
  return { clock, ids, store, stop, settle, run, rollForward, create, events };
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
