import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { describe, expect, it } from 'vitest';
import type { NetworkOptions } from './index.ts';
import { createNetwork } from './network.ts';
import { defaultDeny, netpol, pod, shop } from './testing/fixtures.ts';

const from = (name: string, ns = 'shop') => ({ kind: 'pod' as const, namespace: ns, name });

function reach(
  policies: NetworkPolicy[],
  src: string,
  dstIp: string,
  port: number,
  protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP',
  options: NetworkOptions = {},
  srcNs = 'shop',
) {
  const listening = () => true;
  return createNetwork(shop({ networkPolicies: policies }), { listening, ...options }).connect(from(src, srcNs), {
    ip: dstIp,
    port,
    protocol,
  });
}

const DB = '10.244.1.12';
const API = '10.244.1.11';

describe('NetworkPolicy semantics', () => {
  it('allows everything when no policy selects either pod', () => {
    const r = reach([], 'intruder', DB, 6379);
    expect(r.outcome).toBe('connected');
    expect(r.reason.egress?.isolated).toBe(false);
    expect(r.reason.ingress?.message).toBe(
      'allowed: ingress to shop/db is not isolated (no NetworkPolicy selects it for ingress)',
    );
  });

  it('drops traffic into a pod selected by a policy with no ingress rules, and names the policy', () => {
    const r = reach([netpol('shop', 'db-deny', { podSelector: { matchLabels: { app: 'db' } } })], 'intruder', DB, 6379);
    expect(r.outcome).toBe('timeout');
    expect(r.reason.cause).toBe('ingress-denied');
    expect(r.reason.message).toBe(
      'denied: ingress to shop/db is isolated by NetworkPolicy shop/db-deny and no ingress rule allows shop/intruder (10.244.1.13) on 6379/TCP',
    );
    expect(r.reason.ingress?.policies).toEqual([{ namespace: 'shop', name: 'db-deny' }]);
  });

  it('names the default-deny policy when egress is isolated and no rule allows the destination', () => {
    const r = reach([defaultDeny('shop')], 'frontend', DB, 6379);
    expect(r.reason.cause).toBe('egress-denied');
    expect(r.reason.message).toBe(
      'denied: egress from shop/frontend is isolated by NetworkPolicy shop/default-deny and no egress rule allows 10.244.1.12:6379/TCP',
    );
  });

  it('defaults policyTypes to Ingress only when the policy has no egress rules', () => {
    const p = netpol('shop', 'in-only', { podSelector: {} });
    expect(reach([p], 'intruder', '10.244.0.20', 1, 'TCP').outcome).toBe('connected');
    expect(reach([p], 'intruder', DB, 6379).outcome).toBe('timeout');
  });

  it('defaults policyTypes to Ingress and Egress when the policy has egress rules', () => {
    const p = netpol('shop', 'eg', {
      podSelector: { matchLabels: { run: 'intruder' } },
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    expect(reach([p], 'intruder', API, 8080).outcome).toBe('connected');
    expect(reach([p], 'intruder', DB, 6379).reason.cause).toBe('egress-denied');
    // Ingress is isolated too: the api cannot open a connection to the intruder.
    expect(reach([p], 'api', '10.244.1.13', 80).reason.cause).toBe('ingress-denied');
  });

  it('isolates a direction only when a selecting policy lists that policyType', () => {
    const p = netpol('shop', 'egress-only', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'] });
    expect(reach([p], 'intruder', DB, 6379).outcome).toBe('connected');
    expect(reach([p], 'db', API, 8080).reason.cause).toBe('egress-denied');
  });

  it('needs both the egress of the source and the ingress of the destination to allow', () => {
    const ingress = netpol('shop', 'db-from-api', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    const egress = netpol('shop', 'api-egress', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
    });
    expect(reach([ingress], 'api', DB, 6379).outcome).toBe('connected');
    expect(reach([ingress, egress], 'api', DB, 6379).reason.cause).toBe('egress-denied');
  });

  it('explains which rule of which policy allowed the traffic', () => {
    const p = netpol('shop', 'db-allow', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'frontend' } } }] },
        { from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 6379 }] },
      ],
    });
    const r = reach([p], 'api', DB, 6379);
    expect(r.reason.ingress?.allowedBy).toEqual({
      policy: { namespace: 'shop', name: 'db-allow' },
      rule: 1,
      peer: 'from podSelector app=api',
    });
    expect(r.reason.ingress?.message).toBe(
      'allowed: ingress to shop/db by NetworkPolicy shop/db-allow rule 1 (from podSelector app=api)',
    );
  });

  it('matches a podSelector-only peer only in the policy namespace', () => {
    const p = netpol('shop', 'db-from-client', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }],
    });
    expect(reach([p], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('timeout');
  });

  it('matches namespaceSelector by namespace labels, including kubernetes.io/metadata.name', () => {
    const byTeam = netpol('shop', 'from-other', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'other' } } }] }],
    });
    const byName = netpol('shop', 'from-other', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['other'] }],
              },
            },
          ],
        },
      ],
    });
    expect(reach([byTeam], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('connected');
    expect(reach([byName], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('connected');
    expect(reach([byTeam], 'api', DB, 6379).outcome).toBe('timeout');
  });

  it('ANDs namespaceSelector and podSelector in one peer, and ORs separate peers', () => {
    const anded = netpol('shop', 'p', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: 'other' } }, podSelector: { matchLabels: { app: 'nope' } } },
          ],
        },
      ],
    });
    const ored = netpol('shop', 'p', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: 'other' } } },
            { podSelector: { matchLabels: { app: 'nope' } } },
          ],
        },
      ],
    });
    expect(reach([anded], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('timeout');
    expect(reach([ored], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('connected');
  });

  it('allows from anywhere when a rule has an empty from list, and {} selects every pod of the namespace', () => {
    const p = netpol('shop', 'open', { podSelector: {}, ingress: [{ from: [] }] });
    expect(reach([p], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('connected');
    const sameNs = netpol('shop', 'same-ns', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(reach([sameNs], 'intruder', DB, 6379).outcome).toBe('connected');
    expect(reach([sameNs], 'client', DB, 6379, 'TCP', {}, 'other').outcome).toBe('timeout');
  });

  it('resolves named ports on the destination pod for ingress and egress, matching the protocol', () => {
    const ingress = netpol('shop', 'named', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ ports: [{ port: 'redis' }] }],
    });
    expect(reach([ingress], 'api', DB, 6379).outcome).toBe('connected');
    expect(reach([ingress], 'api', DB, 6380).outcome).toBe('timeout');
    const udp = netpol('shop', 'named', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ ports: [{ port: 'redis', protocol: 'UDP' }] }],
    });
    expect(reach([udp], 'api', DB, 6379).outcome).toBe('timeout');
    const egress = netpol('shop', 'named-egress', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 'redis' }] }],
    });
    expect(reach([egress], 'api', DB, 6379).outcome).toBe('connected');
    // The frontend declares no port named redis, so the rule admits nothing towards it.
    expect(reach([egress], 'api', '10.244.1.10', 6379).outcome).toBe('timeout');
  });

  it('admits a port range with endPort, inclusive', () => {
    const p = netpol('shop', 'range', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ ports: [{ port: 6000, endPort: 6379 }] }],
    });
    expect(reach([p], 'api', DB, 6379).outcome).toBe('connected');
    expect(reach([p], 'api', DB, 6000).outcome).toBe('connected');
    expect(reach([p], 'api', DB, 6380).outcome).toBe('timeout');
  });

  it('keeps protocols apart: TCP rules do not admit UDP or SCTP, and a rule without a port admits every port of its protocol', () => {
    const p = netpol('shop', 'udp', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ ports: [{ protocol: 'UDP' }, { protocol: 'SCTP', port: 9 }] }],
    });
    expect(reach([p], 'api', DB, 5353, 'UDP').outcome).toBe('connected');
    expect(reach([p], 'api', DB, 9, 'SCTP').outcome).toBe('connected');
    expect(reach([p], 'api', DB, 10, 'SCTP').outcome).toBe('timeout');
    expect(reach([p], 'api', DB, 6379, 'TCP').outcome).toBe('timeout');
  });

  it('matches pod IPs with ipBlock by default, as CNIs do, and not under the analyzer model', () => {
    const p = netpol('shop', 'cidr', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ ipBlock: { cidr: '10.244.1.0/24', except: ['10.244.1.13/32'] } }] }],
    });
    expect(reach([p], 'api', DB, 6379).outcome).toBe('connected');
    expect(reach([p], 'intruder', DB, 6379).outcome).toBe('timeout');
    expect(reach([p], 'api', DB, 6379, 'TCP', { ipBlockMatchesPods: false }).outcome).toBe('timeout');
  });

  it('does not select hostNetwork pods, and sees their traffic as the node address', () => {
    const deny = netpol('kube-system', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const net = createNetwork(
      shop({
        networkPolicies: [
          deny,
          netpol('shop', 'db-from-pods', {
            podSelector: { matchLabels: { app: 'db' } },
            ingress: [{ from: [{ namespaceSelector: {} }] }],
          }),
        ],
      }),
      { listening: () => true },
    );
    const r = net.connect(from('kube-proxy-w', 'kube-system'), { ip: '10.244.0.20', port: 80 });
    expect(r.outcome).toBe('connected');
    expect(r.reason.egress?.exempt).toBe('host-network');
    // A namespaceSelector {} peer matches every pod, but not a node address: db is on the same node, so it passes anyway.
    const toDb = net.connect(from('kube-proxy-w', 'kube-system'), { ip: DB, port: 6379 });
    expect(toDb.reason.ingress?.exempt).toBe('node-to-local-pod');
    const remote = net.connect(from('kube-proxy-w', 'kube-system'), { ip: '10.244.0.2', port: 53, protocol: 'UDP' });
    expect(remote.outcome).toBe('timeout');
  });

  it('treats hostNetwork pods like other pods under the analyzer model', () => {
    const p = netpol('kube-system', 'deny-egress', {
      podSelector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      policyTypes: ['Egress'],
    });
    const r = createNetwork(shop({ networkPolicies: [p] }), { hostNetwork: 'pod', listening: () => true }).connect(
      from('kube-proxy-w', 'kube-system'),
      { ip: DB, port: 6379 },
    );
    expect(r.reason.cause).toBe('egress-denied');
  });

  it('lets kubelet on a node reach its own pods through default-deny ingress, but not pods on other nodes', () => {
    const net = createNetwork(shop({ networkPolicies: [defaultDeny('shop')] }), { listening: () => true });
    expect(net.connect({ kind: 'node', name: 'kind-worker' }, { ip: DB, port: 6379 }).outcome).toBe('connected');
    expect(net.connect({ kind: 'node', name: 'kind-control-plane' }, { ip: DB, port: 6379 }).outcome).toBe('timeout');
    const strict = createNetwork(shop({ networkPolicies: [defaultDeny('shop')] }), {
      listening: () => true,
      allowNodeToLocalPods: false,
    });
    expect(strict.connect({ kind: 'node', name: 'kind-worker' }, { ip: DB, port: 6379 }).outcome).toBe('timeout');
  });

  it('never blocks a pod from reaching itself, even through its own Service', () => {
    const net = createNetwork(shop({ networkPolicies: [defaultDeny('shop')] }), { listening: () => true });
    const r = net.connect(from('db'), { ip: '10.96.10.1', port: 6379 });
    expect(r.outcome).toBe('connected');
    expect(r.reason.egress?.exempt).toBe('self');
    expect(r.reason.ingress?.message).toBe(
      'allowed: ingress to shop/db (10.244.1.12) is to itself, which a pod cannot block',
    );
  });

  it('lets a pod reach its own node through default-deny egress, but not other nodes', () => {
    const net = createNetwork(shop({ networkPolicies: [defaultDeny('shop')] }), { listening: () => true });
    const own = net.connect(from('db'), { ip: '172.18.0.3', port: 10250 });
    expect(own.outcome).toBe('connected');
    expect(own.reason.egress?.exempt).toBe('pod-to-local-node');
    expect(net.connect(from('db'), { ip: '172.18.0.2', port: 10250 }).reason.cause).toBe('egress-denied');
  });

  it('ignores policies from other namespaces when deciding isolation', () => {
    const r = reach([defaultDeny('other')], 'api', DB, 6379);
    expect(r.outcome).toBe('connected');
  });

  it('unions additive allows from several policies selecting the same pod', () => {
    const a = netpol('shop', 'a', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 1 }] }] });
    const b = netpol('shop', 'b', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ ports: [{ port: 6379 }] }],
    });
    const r = reach([a, b], 'api', DB, 6379);
    expect(r.outcome).toBe('connected');
    expect(r.reason.ingress?.allowedBy?.policy.name).toBe('b');
    expect(r.reason.ingress?.policies.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('reports every port policy allows between two pods as a port set', () => {
    const p = netpol('shop', 'db', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ ports: [{ port: 6379 }, { port: 7000, endPort: 7002, protocol: 'UDP' }] }],
    });
    const net = createNetwork(shop({ networkPolicies: [p], pods: [pod('shop', 'extra', { ip: '10.244.1.50' })] }));
    const set = net.connections({ namespace: 'shop', name: 'api' }, { namespace: 'shop', name: 'db' });
    expect(set).toEqual({ SCTP: [], TCP: [[6379, 6379]], UDP: [[7000, 7002]] });
  });
});
