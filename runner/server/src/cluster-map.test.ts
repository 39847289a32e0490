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
    expect(edge).toMatchObject({ kind: 'blocked', stopsAttack: true, label: 'ingress blocked by shop/db-deny' });
    expect(edge?.attack).toBeUndefined();
  });

  it('names the policy that denies, not the first one that selects the pod', () => {
    const allowDns = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'shop', name: 'allow-dns' },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'monitoring' } } }] }],
      },
    } as unknown as KubeObject;
    const map = buildClusterMap([...objects(true), allowDns], [attack]);
    const edge = map.edges.find((e) => e.source === 'w:shop/Deployment/web' && e.target === 'w:shop/Deployment/db');
    expect(edge?.label).toBe('ingress blocked by shop/db-deny');
    const onlyRules = buildClusterMap([...objects(false), allowDns], [attack]);
    const ruled = onlyRules.edges.find(
      (e) => e.source === 'w:shop/Deployment/web' && e.target === 'w:shop/Deployment/db',
    );
    expect(ruled?.label).toBe('ingress blocked: no rule of shop/allow-dns allows it');
  });

  it('shows the node and the host mounts a workload reaches, the image and its registry, and egress', () => {
    const monitor = pod('monitoring', 'mon-1', { app: 'mon' }, '10.244.0.9');
    (monitor as unknown as { spec: Record<string, unknown> }).spec = {
      nodeName: 'node-1',
      hostPID: true,
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [
        {
          name: 'c',
          image: 'busybox',
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
    };
    const map = buildClusterMap([...objects(false), monitor], []);
    expect(map.nodes).toContainEqual(expect.objectContaining({ id: 'n:node-1', kind: 'Node' }));
    expect(map.edges).toContainEqual(
      expect.objectContaining({
        source: 'w:monitoring/Deployment/mon',
        target: 'n:node-1',
        kind: 'escapes',
        label: 'hostPID, privileged, host path / at /host',
      }),
    );
    expect(map.nodes).toContainEqual(
      expect.objectContaining({
        id: 'i:docker.io/library/busybox:latest',
        kind: 'Image',
        detail: 'registry docker.io',
      }),
    );
    expect(map.edges).toContainEqual(
      expect.objectContaining({ source: 'w:monitoring/Deployment/mon', target: 'internet', kind: 'egress' }),
    );
  });

  it('marks where an image the attack gets admitted already runs, under any tag', () => {
    const web = pod('shop', 'web-1', { app: 'web' }, '10.244.0.7');
    (web as unknown as { spec: Record<string, unknown> }).spec = {
      containers: [{ name: 'c', image: 'regsitry.lab.local/shop/web:2.4.1' }],
    };
    const admitted = {
      id: 'lookalike-admitted',
      title: 'the look-alike is admitted',
      probe: {
        kind: 'dry-run',
        create: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'x', namespace: 'shop' },
          spec: {
            template: { spec: { containers: [{ name: 'c', image: 'regsitry.lab.local/shop/web@sha256:abc' }] } },
          },
        },
      },
    } as unknown as Attack;
    const map = buildClusterMap([...objects(false), web], [admitted]);
    const runs = map.edges.find((e) => e.kind === 'runs' && e.source === 'i:regsitry.lab.local/shop/web:2.4.1');
    expect(runs).toMatchObject({ attack: true });
    expect(map.nodes).toContainEqual(
      expect.objectContaining({ id: 'i:regsitry.lab.local/shop/web:2.4.1', detail: 'registry regsitry.lab.local' }),
    );
    const clean = buildClusterMap([...objects(false), web], []);
    expect(
      clean.edges.find((e) => e.kind === 'runs' && e.source === 'i:regsitry.lab.local/shop/web:2.4.1')?.attack,
    ).toBeUndefined();
  });

  it("draws the attack on a node's own API from the workload that calls {{hostIP}}", () => {
    const kubelet: Attack = {
      id: 'kubelet',
      title: 'web lists the pods on its node',
      probe: {
        kind: 'exec',
        pod: { namespace: 'shop', selector: { app: 'web' } },
        command: ['wget', '-qO-', 'https://{{hostIP}}:10250/pods'],
        timeoutSeconds: 5,
        succeedsWhen: { exitCode: 0 },
      },
    } as Attack;
    const map = buildClusterMap(objects(false), [kubelet]);
    expect(map.nodes).toContainEqual(expect.objectContaining({ id: 'n:node-1', kind: 'Node' }));
    expect(map.edges).toContainEqual(
      expect.objectContaining({
        source: 'w:shop/Deployment/web',
        target: 'n:node-1',
        kind: 'reaches',
        label: 'node API :10250',
        attack: true,
      }),
    );
    expect(map.edges.filter((e) => e.target === 'n:node-1' && e.source === 'w:shop/Deployment/db')).toEqual([]);
  });

  it('draws an SSRF through a published app to the metadata service of the nodes its pods run on', () => {
    const ssrf: Attack = {
      id: 'ssrf',
      title: 'web fetches the node role for anyone',
      probe: {
        kind: 'internet',
        to: { service: { namespace: 'shop', name: 'web' }, port: 80 },
        scheme: 'http',
        method: 'GET',
        path: '/fetch?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2Fiam%2Fsecurity-credentials%2F',
        succeedsWhen: { bodyContains: 'role' },
      },
    } as Attack;
    const map = buildClusterMap(objects(true), [ssrf]);
    expect(map.edges).toContainEqual(
      expect.objectContaining({
        source: 'w:shop/Deployment/web',
        target: 'n:node-1',
        kind: 'reaches',
        label: 'instance metadata 169.254.169.254',
        attack: true,
      }),
    );
    expect(map.edges.filter((e) => e.id.endsWith(':metadata') && e.source !== 'w:shop/Deployment/web')).toEqual([]);
    // A request to the app's own pages draws no such path.
    const page = { ...ssrf, probe: { ...ssrf.probe, path: '/fetch?url=http://media.shop/x' } } as Attack;
    expect(buildClusterMap(objects(true), [page]).edges.filter((e) => e.id.endsWith(':metadata'))).toEqual([]);
  });

  it('shows the roles bound to a workload and the Secrets they may read', () => {
    const dash = pod('dash', 'dash-1', { app: 'dash' }, '10.244.0.12');
    (dash as unknown as { spec: Record<string, unknown> }).spec = {
      nodeName: 'node-1',
      serviceAccountName: 'dash',
      containers: [{ name: 'c', image: 'x' }],
    };
    const rbac = [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'cluster-admin' },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'dash-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'dash', namespace: 'dash' }],
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'shop', name: 's3-creds' }, type: 'Opaque' },
    ] as unknown as KubeObject[];
    const access: Attack = {
      id: 'mint',
      title: 'the account mints tokens',
      probe: {
        kind: 'access-review',
        subject: { serviceAccount: { namespace: 'dash', name: 'dash' } },
        namespaces: 'all',
        attempts: [{ verb: 'create', resource: 'serviceaccounts', subresource: 'token' }],
      },
    } as Attack;
    const map = buildClusterMap([...objects(false), dash, ...rbac], [access]);
    expect(map.edges).toContainEqual(
      expect.objectContaining({
        source: 'w:dash/Deployment/dash',
        target: 'r:ClusterRole//cluster-admin',
        kind: 'bound',
        label: 'service account dash, ClusterRoleBinding dash-admin',
        attack: true,
      }),
    );
    expect(map.edges).toContainEqual(
      expect.objectContaining({ source: 'r:ClusterRole//cluster-admin', target: 'sec:shop/s3-creds', kind: 'reads' }),
    );
  });

  it('marks what every step of a sequence runs in', () => {
    const exec = (app: string) => ({ kind: 'exec', pod: { namespace: 'shop', selector: { app } }, command: ['true'] });
    const staged = {
      id: 'starve',
      title: 'one workload starves the other',
      probe: { kind: 'sequence', steps: [exec('web'), exec('db'), exec('web')] },
    } as unknown as Attack;
    const map = buildClusterMap(objects(false), [staged]);
    const marked = map.edges.filter((e) => e.kind === 'runs' && e.attack).map((e) => e.target);
    expect(marked.some((t) => t.includes('/web'))).toBe(true);
    expect(marked.some((t) => t.includes('/db'))).toBe(true);
    const unmarked = buildClusterMap(objects(false), []).edges.filter((e) => e.kind === 'runs' && e.attack);
    expect(unmarked).toEqual([]);
  });

  it('marks the image of the workload an attack reads an image from, not the workload it runs in', () => {
    const layers = {
      id: 'layers',
      title: 'the key is read out of the image db runs',
      probe: {
        kind: 'exec',
        pod: { namespace: 'shop', selector: { app: 'web' } },
        imageOf: { namespace: 'shop', selector: { app: 'db' } },
        command: ['crane', 'config', '{{imageID}}'],
      },
    } as unknown as Attack;
    const map = buildClusterMap(objects(false), [layers]);
    const marked = map.edges.filter((e) => e.kind === 'runs' && e.attack).map((e) => `${e.source}>${e.target}`);
    expect(marked.some((m) => m.startsWith('i:') && m.endsWith('/db'))).toBe(true);
  });
});
