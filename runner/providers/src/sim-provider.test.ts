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

describe('clusters reserved for a scenario (a workshop about to start)', () => {
  it('are made ahead, handed out one per Start with the setup applied, and deleted when the reservation drops', async () => {
    const made: string[] = [];
    const local = new SimProvider({
      host: {
        addCluster: () => {
          const c = host.addCluster();
          made.push(c.id);
          return { id: c.id, token: c.token, server: c.server, certificateAuthority: host.caCertificate };
        },
        removeCluster: (id) => host.removeCluster(id),
      },
      setup: async () => parseManifests('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: reserved\n'),
    });
    const alive = () => made.filter((id) => host.clusters().some((c) => c.id === id));
    local.reserve('lab', 5);
    await expect.poll(() => made.length, { timeout: 10_000 }).toBe(5);
    // Three Starts in a row take three of the five, none of them waiting on a build.
    const sessions = await Promise.all(
      ['l1', 'l2', 'l3'].map((id) => local.create({ sessionId: id, scenarioId: 'lab' })),
    );
    expect(sessions.map((s) => s.id)).toEqual(made.slice(0, 3));
    for (const s of sessions) {
      const namespaces = await new ClusterClient(s.kubeconfig).list('v1', 'Namespace');
      expect(namespaces.map((n) => (n.metadata as { name: string }).name)).toContain('reserved');
    }
    // The pool goes back up to five, then down to the one any started scenario keeps.
    await expect.poll(() => made.length, { timeout: 10_000 }).toBe(8);
    local.reserve('lab', 0);
    await expect.poll(() => alive().length, { timeout: 10_000 }).toBe(3 + 1);
    for (const s of sessions) await local.delete(s.id);
    await local.dispose();
    await expect.poll(() => alive().length, { timeout: 10_000 }).toBe(0);
  }, 30_000);
});
