import { describe, expect, it } from 'vitest';
import { R } from './resources.ts';
import { deployment, harness, namespace, threeNodes } from './testing/harness.ts';
import type { DeploymentObject, EndpointSliceObject, EndpointsObject, PodObject } from './types.ts';

function setup() {
  const h = harness();
  h.create(R.namespaces, namespace('default'));
  threeNodes(h.store);
  // Two pods whose container serves for 20 s and then dies (the kubelet restarts it after a backoff).
  const web = deployment('web', 2, 'busybox') as DeploymentObject;
  web.spec.template.spec!.containers[0]!.command = ['sh', '-c', 'sleep 20; exit 1'];
  h.create(R.deployments, web);
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
  it('lists Ready pods as addresses and pods whose container died as notReadyAddresses, resolving the named port', async () => {
    const h = setup();
    expect((h.store.get(R.endpoints, 'default', 'web') as EndpointsObject).subsets).toBeUndefined();
    await h.rollForward();
    let ep = h.store.get(R.endpoints, 'default', 'web') as EndpointsObject;
    const pods = h.store.list(R.pods, 'default') as PodObject[];
    const ips = pods.map((p) => p.status!.podIP).sort();
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets![0]!.addresses!.map((a) => a.ip).sort()).toEqual(ips);
    expect(ep.subsets![0]!.notReadyAddresses).toBeUndefined();
    expect(ep.subsets![0]!.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(ep.subsets![0]!.addresses![0]!.targetRef).toMatchObject({ kind: 'Pod', namespace: 'default' });
    // The containers exit after 20 s: the pods keep their IPs but are not Ready.
    await h.run(20_000);
    ep = h.store.get(R.endpoints, 'default', 'web') as EndpointsObject;
    expect(ep.subsets![0]!.addresses).toBeUndefined();
    expect(ep.subsets![0]!.notReadyAddresses!.map((a) => a.ip).sort()).toEqual(ips);
    // Restarted after the kubelet's 10 s backoff: Ready again.
    await h.run(11_000);
    ep = h.store.get(R.endpoints, 'default', 'web') as EndpointsObject;
    expect(ep.subsets![0]!.addresses!.map((a) => a.ip).sort()).toEqual(ips);
  });

  it('maintains a labelled, owned EndpointSlice with endpoint conditions', async () => {
    const h = setup();
    let slices = h.store.list(R.endpointslices, 'default') as EndpointSliceObject[];
    expect(slices).toHaveLength(1);
    expect(slices[0]!.endpoints).toEqual([]);
    await h.rollForward();
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
