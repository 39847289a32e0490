import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createCluster } from '../cluster.ts';
import { createPolicyNetworkPort } from './runtime-adapter.ts';
import { defaultDeny, shop } from './testing/fixtures.ts';

describe('the network over a live simulated cluster', () => {
  it('reads pods, Services and policies written through the API and judges them', () => {
    const cluster = createCluster({ clock: new ManualClock(), ids: new SequentialIds() });
    const call = (method: string, path: string, body: unknown) => {
      const r = cluster.callApi(cluster.adminToken, method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const objects = shop({ networkPolicies: [defaultDeny('shop')] });
    for (const ns of objects.namespaces!) call('POST', '/api/v1/namespaces', ns);
    for (const node of objects.nodes!) call('POST', '/api/v1/nodes', node);
    for (const pod of objects.pods!) {
      call('POST', `/api/v1/namespaces/${pod.metadata!.namespace}/pods`, pod);
      // Status is the kubelet's to write: through the status subresource, as it would.
      call('PUT', `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${pod.metadata!.name}/status`, {
        ...(call(
          'GET',
          `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${pod.metadata!.name}`,
          undefined,
        ) as object),
        status: pod.status,
      });
    }
    for (const svc of objects.services!) {
      const { status, ...rest } = svc;
      void status;
      call('POST', `/api/v1/namespaces/${svc.metadata!.namespace}/services`, rest);
    }
    for (const np of objects.networkPolicies!)
      call('POST', `/apis/networking.k8s.io/v1/namespaces/${np.metadata!.namespace}/networkpolicies`, np);

    const port = createPolicyNetworkPort(cluster.store);
    const intruder = { kind: 'pod' as const, namespace: 'shop', name: 'intruder' };
    const denied = port.connect(intruder, '10.244.1.12', 6379);
    expect(denied.verdict).toMatchObject({ allowed: false, cause: 'egress-denied' });
    const dns = port.lookup('db', { namespace: 'shop', pod: 'intruder' });
    expect('error' in dns && dns.error).toBe('TIMEOUT');
    const open = port.connect({ kind: 'pod', namespace: 'other', name: 'client' }, '10.96.10.2', 80);
    expect(open.verdict.allowed).toBe(false);
    expect(open.verdict.message).toContain('ingress to shop/api is isolated by NetworkPolicy shop/default-deny');
    cluster.stop();
  });
});
