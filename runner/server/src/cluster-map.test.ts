import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Attack } from '@paranoid/schema/scenario.ts';
import { describe, expect, it } from 'vitest';
import { buildClusterMap } from './cluster-map.ts';

const pod = (ns: string, name: string, labels: Record<string, string>, ip: string, port?: number): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: ns,
      name,
      labels,
      ownerReferences: [{ kind: 'ReplicaSet', name: `${labels.app}-5d9f7c6b8` }],
    },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'c', image: 'x', ...(port ? { ports: [{ containerPort: port }] } : {}) }],
    },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '172.18.0.2' },
  }) as unknown as KubeObject;

const objects = (withPolicy: boolean): KubeObject[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as KubeObject,
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1' },
    status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] },
  } as unknown as KubeObject,
  pod('shop', 'web-1', { app: 'web' }, '10.244.0.5'),
  pod('shop', 'db-1', { app: 'db' }, '10.244.0.6', 5432),
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'shop', name: 'db' },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.10',
      selector: { app: 'db' },
      ports: [{ port: 5432, targetPort: 5432 }],
    },
  } as unknown as KubeObject,
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'shop', name: 'web' },
    spec: {
      type: 'NodePort',
      clusterIP: '10.96.0.11',
      selector: { app: 'web' },
      ports: [{ port: 80, nodePort: 30080 }],
    },
  } as unknown as KubeObject,
  ...(withPolicy
    ? [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { namespace: 'shop', name: 'db-deny' },
          spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] },
        } as unknown as KubeObject,
      ]
    : []),
];

const attack: Attack = {
  id: 'web-to-db',
  title: 'web reaches the database',
  probe: {
    kind: 'reachability',
    from: [{ namespace: 'shop', selector: { app: 'web' } }],
    to: { service: { namespace: 'shop', name: 'db' }, port: 5432 },
    timeoutSeconds: 2,
  },
} as Attack;

describe('the cluster map', () => {
  it('groups pods into their Deployments and shows what the internet reaches', () => {
    const map = buildClusterMap(objects(false), []);
    expect(map.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining([
        'internet',
        'ns:shop',
        'w:shop/Deployment/web',
        'w:shop/Deployment/db',
        's:shop/db',
        's:shop/web',
      ]),
    );
    expect(map.edges).toContainEqual(
      expect.objectContaining({ source: 'internet', target: 's:shop/web', kind: 'exposes' }),
    );
    expect(map.edges).toContainEqual(
      expect.objectContaining({ source: 's:shop/db', target: 'w:shop/Deployment/db', kind: 'selects' }),
    );
  });

  it('draws the attack path in a flat network as a reaching edge on the attack', () => {
    const map = buildClusterMap(objects(false), [attack]);
    const edge = map.edges.find((e) => e.source === 'w:shop/Deployment/web' && e.target === 'w:shop/Deployment/db');
    expect(edge).toMatchObject({ kind: 'reaches', attack: true, label: ':5432' });
  });

  it('shows the policy that blocks the attack once fixed', () => {
    const map = buildClusterMap(objects(true), [attack]);
    const edge = map.edges.find((e) => e.source === 'w:shop/Deployment/web' && e.target === 'w:shop/Deployment/db');
    expect(edge).toMatchObject({ kind: 'blocked', attack: true, label: 'blocked by shop/db-deny' });
  });
});
