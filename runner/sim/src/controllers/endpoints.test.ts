import { describe, expect, it } from 'vitest';
import { R } from './resources.ts';
import { startScheduledPods } from './testing/fake-kubelet.ts';
import { deployment, harness, namespace, threeNodes } from './testing/harness.ts';
import type { EndpointSliceObject, EndpointsObject, PodObject } from './types.ts';

function setup() {
  const h = harness();
  h.create(R.namespaces, namespace('default'));
  threeNodes(h.store);
  h.create(R.deployments, deployment('web', 2));
  h.create(R.services, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      selector: { app: 'web' },
      clusterIP: '10.96.100.1',
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  h.settle();
  return h;
}

describe('Endpoints and EndpointSlice controllers', () => {
  it('lists unready pods as notReadyAddresses, then as addresses once Ready, resolving the named port', () => {
    const h = setup();
    expect((h.store.get(R.endpoints, 'default', 'web') as EndpointsObject).subsets).toBeUndefined();
    startScheduledPods(h.store, h.clock, (p) =>
      p.metadata.name!.endsWith(h.store.list(R.pods, 'default')[0]!.metadata.name!.slice(-5)),
    );
    h.settle();
    let ep = h.store.get(R.endpoints, 'default', 'web') as EndpointsObject;
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets![0]!.addresses).toHaveLength(1);
    expect(ep.subsets![0]!.notReadyAddresses).toBeUndefined();
    expect(ep.subsets![0]!.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    startScheduledPods(h.store, h.clock);
    h.settle();
    ep = h.store.get(R.endpoints, 'default', 'web') as EndpointsObject;
    const pods = h.store.list(R.pods, 'default') as PodObject[];
    expect(ep.subsets![0]!.addresses!.map((a) => a.ip).sort()).toEqual(pods.map((p) => p.status!.podIP).sort());
    expect(ep.subsets![0]!.addresses![0]!.targetRef).toMatchObject({ kind: 'Pod', namespace: 'default' });
    // Unready again: moves to notReadyAddresses.
    const p = pods[0]!;
    p.status!.conditions = p.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    h.store.update(R.pods, p);
    h.settle();
    ep = h.store.get(R.endpoints, 'default', 'web') as EndpointsObject;
    expect(ep.subsets![0]!.notReadyAddresses!.map((a) => a.ip)).toEqual([p.status!.podIP]);
  });

  it('maintains a labelled, owned EndpointSlice with endpoint conditions', () => {
    const h = setup();
    let slices = h.store.list(R.endpointslices, 'default') as EndpointSliceObject[];
    expect(slices).toHaveLength(1);
    expect(slices[0]!.endpoints).toEqual([]);
    startScheduledPods(h.store, h.clock);
    h.settle();
    slices = h.store.list(R.endpointslices, 'default') as EndpointSliceObject[];
    expect(slices).toHaveLength(1);
    const s = slices[0]!;
    expect(s.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(s.metadata.labels).toEqual({
      app: 'web',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(s.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'web', controller: true });
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(s.endpoints).toHaveLength(2);
    expect(s.endpoints![0]!.conditions).toEqual({ ready: true, serving: true, terminating: false });
    h.store.delete(R.services, 'default', 'web');
    h.settle();
    expect(h.store.list(R.endpointslices, 'default')).toHaveLength(0);
    expect(h.store.get(R.endpoints, 'default', 'web')).toBeUndefined();
  });
});
