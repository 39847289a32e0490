import { ClusterClient } from '@paranoid/kube/cluster-client.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { createSimHost, type SimHost as Host } from '@paranoid/sim-server/host.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimProvider } from './sim-provider.ts';

let host: Host;
let provider: SimProvider;

beforeAll(async () => {
  host = await createSimHost({ port: 0 });
  provider = new SimProvider({
    host: {
      addCluster: () => {
        const c = host.addCluster();
        return { id: c.id, token: c.token, server: c.server, certificateAuthority: host.caCertificate };
      },
      removeCluster: (id) => host.removeCluster(id),
    },
    setup: async () =>
      parseManifests(
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  k: v\n',
      ),
  });
});

afterAll(async () => {
  await host.close();
});

describe('the sim provider', () => {
  it('creates a cluster with the scenario setup applied through the API, and deletes it', async () => {
    const cluster = await provider.create({ sessionId: 's1', scenarioId: 'x' });
    const client = new ClusterClient(cluster.kubeconfig);
    const yaml = await client.readYaml({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'c' });
    expect(yaml).toContain('k: v');
    expect(await provider.list()).toEqual([expect.objectContaining({ id: cluster.id, sessionId: 's1' })]);
    await provider.delete(cluster.id);
    expect(await provider.list()).toEqual([]);
    expect(host.clusters().some((c) => c.id === cluster.id)).toBe(false);
  });

  it('gives each session its own cluster and token', async () => {
    const a = await provider.create({ sessionId: 'a' });
    const b = await provider.create({ sessionId: 'b' });
    expect(a.kubeconfig).not.toEqual(b.kubeconfig);
    await new ClusterClient(a.kubeconfig).apply(
      parseManifests('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: only-a\n'),
    );
    const inB = await new ClusterClient(b.kubeconfig).list('v1', 'Namespace');
    expect(inB.map((n) => (n.metadata as { name: string }).name)).not.toContain('only-a');
  });
});
