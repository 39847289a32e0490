import { describe, expect, it } from 'vitest';
import { R } from './resources.ts';
import { harness, namespace, node, threeNodes } from './testing/harness.ts';
import type { PodObject } from './types.ts';

function pod(name: string, spec: Partial<PodObject['spec']> = {}): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
    status: { phase: 'Pending' },
  };
}

function setup() {
  const h = harness();
  h.create(R.namespaces, namespace('default'));
  threeNodes(h.store);
  h.settle();
  return h;
}

const get = (h: ReturnType<typeof setup>, name: string) => h.store.get(R.pods, 'default', name) as PodObject;

describe('scheduler', () => {
  it('binds a pod to a worker, never the tainted control plane, with PodScheduled and a Scheduled event', () => {
    const h = setup();
    h.create(R.pods, pod('a'));
    h.settle();
    const a = get(h, 'a');
    expect(a.spec.nodeName).toBe('paranoid-worker');
    expect(a.status?.conditions).toEqual([
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T12:00:00Z' },
    ]);
    expect(h.events()).toEqual(['Normal Scheduled Pod/a: Successfully assigned default/a to paranoid-worker']);
  });

  it('spreads pods by count and honours nodeSelector', () => {
    const h = setup();
    h.create(R.pods, pod('a'));
    h.create(R.pods, pod('b'));
    h.create(R.pods, pod('c', { nodeSelector: { 'kubernetes.io/hostname': 'paranoid-worker2' } }));
    h.settle();
    expect(get(h, 'a').spec.nodeName).toBe('paranoid-worker');
    expect(get(h, 'b').spec.nodeName).toBe('paranoid-worker2');
    expect(get(h, 'c').spec.nodeName).toBe('paranoid-worker2');
  });

  it('places a pod that tolerates the control-plane taint and selects it', () => {
    const h = setup();
    h.create(
      R.pods,
      pod('cp', {
        nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
        tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      }),
    );
    h.settle();
    expect(get(h, 'cp').spec.nodeName).toBe('paranoid-control-plane');
  });

  it('leaves a pod Pending with the upstream Unschedulable message and a FailedScheduling event', () => {
    const h = setup();
    h.create(
      R.pods,
      pod('x', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'disktype', operator: 'In', values: ['ssd'] }] }],
            },
          },
        },
      }),
    );
    h.settle();
    const x = get(h, 'x');
    const message =
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    expect(x.spec.nodeName).toBeUndefined();
    expect(x.status?.phase).toBe('Pending');
    expect(x.status?.conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: '2026-01-01T12:00:00Z',
        reason: 'Unschedulable',
        message,
      },
    ]);
    expect(h.events()).toEqual([`Warning FailedScheduling Pod/x: ${message}`]);
  });

  it('schedules a waiting pod once a matching node appears', () => {
    const h = setup();
    h.create(R.pods, pod('x', { nodeSelector: { disktype: 'ssd' } }));
    h.settle();
    expect(get(h, 'x').spec.nodeName).toBeUndefined();
    h.create(R.nodes, node('paranoid-worker3', { labels: { disktype: 'ssd' } }));
    h.settle();
    expect(get(h, 'x').spec.nodeName).toBe('paranoid-worker3');
    expect(get(h, 'x').status?.conditions?.[0]).toMatchObject({ type: 'PodScheduled', status: 'True' });
  });

  it('reports insufficient cpu as a case for preemption', () => {
    const h = setup();
    h.create(
      R.pods,
      pod('big', { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '64' } } }] }),
    );
    h.settle();
    expect(get(h, 'big').status?.conditions?.[0]?.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('ignores pods for another scheduler', () => {
    const h = setup();
    h.create(R.pods, pod('other', { schedulerName: 'my-scheduler' }));
    h.settle();
    expect(get(h, 'other').spec.nodeName).toBeUndefined();
    expect(h.events()).toEqual([]);
  });
});

describe('scheduler: inter-pod affinity and spreading', () => {
  const labelled = (name: string, app: string, spec: Partial<PodObject['spec']> = {}): PodObject => {
    const p = pod(name, spec);
    p.metadata.labels = { app };
    return p;
  };
  const antiSelf = (app: string): Partial<PodObject['spec']> => ({
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    },
  });

  it('keeps required anti-affinity pods apart and explains the third', () => {
    const h = setup();
    for (const n of ['a', 'b', 'c']) {
      h.create(R.pods, labelled(n, 'db', antiSelf('db')));
      h.settle();
    }
    expect(get(h, 'a').spec.nodeName).not.toBe(get(h, 'b').spec.nodeName);
    expect(get(h, 'c').spec.nodeName).toBeUndefined();
    expect(get(h, 'c').status?.conditions?.[0]?.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });

  it('places a pod next to the pod its required affinity names', () => {
    const h = setup();
    h.create(R.pods, labelled('cache', 'cache', { nodeSelector: { 'kubernetes.io/hostname': 'paranoid-worker2' } }));
    h.settle();
    h.create(
      R.pods,
      labelled('app', 'app', {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
      }),
    );
    h.settle();
    expect(get(h, 'app').spec.nodeName).toBe('paranoid-worker2');
  });

  it('honours a DoNotSchedule topology spread constraint', () => {
    const h = setup();
    const spread: Partial<PodObject['spec']> = {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'w' } },
        },
      ],
      tolerations: [{ operator: 'Exists' }],
    };
    for (const n of ['w1', 'w2', 'w3', 'w4']) {
      h.create(R.pods, labelled(n, 'w', spread));
      h.settle();
    }
    const counts = new Map<string, number>();
    for (const n of ['w1', 'w2', 'w3', 'w4']) {
      const node = get(h, n).spec.nodeName!;
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    expect([...counts.values()].sort()).toEqual([1, 1, 2]);
  });
});

describe('scheduler retries', () => {
  it('schedules a pod waiting on affinity once its partner lands', () => {
    const h = setup();
    const app = pod('app', {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      },
    });
    h.create(R.pods, app);
    h.settle();
    expect(get(h, 'app').status?.conditions?.[0]?.message).toContain("2 node(s) didn't match pod affinity rules");
    const cache = pod('cache', { nodeSelector: { 'kubernetes.io/hostname': 'paranoid-worker2' } });
    cache.metadata.labels = { app: 'cache' };
    h.create(R.pods, cache);
    h.settle();
    expect(get(h, 'app').spec.nodeName).toBe('paranoid-worker2');
  });
});

describe('taint eviction', () => {
  it('evicts pods that do not tolerate a NoExecute taint, and later those that tolerate it for a while', () => {
    const h = setup();
    h.create(R.pods, pod('plain', { nodeSelector: { 'kubernetes.io/hostname': 'paranoid-worker' } }));
    h.create(
      R.pods,
      pod('patient', {
        nodeSelector: { 'kubernetes.io/hostname': 'paranoid-worker' },
        tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
      }),
    );
    h.settle();
    const node = h.store.get(R.nodes, undefined, 'paranoid-worker')!;
    (node.spec as { taints?: unknown[] }).taints = [{ key: 'maintenance', value: 'now', effect: 'NoExecute' }];
    h.store.update(R.nodes, node);
    h.settle();
    expect(h.store.get(R.pods, 'default', 'plain')).toBeUndefined();
    expect(h.events()).toContain('Normal TaintManagerEviction Pod/plain: Marking for deletion Pod default/plain');
    expect(get(h, 'patient')).toBeDefined();
    h.settle(59_000);
    expect(get(h, 'patient')).toBeDefined();
    h.settle(2_000);
    expect(h.store.get(R.pods, 'default', 'patient')).toBeUndefined();
  });
});
