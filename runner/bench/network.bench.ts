import { performance } from 'node:perf_hooks';
import { analyzerConnlist, connect, reachabilityMatrix } from '@paranoid/sim/network/index.ts';
import type { NetworkObjects } from '@paranoid/sim/network/types.ts';
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { Figure } from './main.ts';

/** A namespace of `pods` pods in 10 apps and `policies` NetworkPolicies of every peer kind. */
export function cluster(pods: number, policies: number): NetworkObjects {
  const namespaces: Namespace[] = ['bench', 'kube-system', 'monitoring'].map((name) => ({
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, team: name } },
  }));
  const list: Pod[] = [];
  for (let i = 0; i < pods; i++) {
    list.push({
      metadata: {
        name: `pod-${i}`,
        namespace: 'bench',
        labels: { app: `app-${i % 10}`, tier: i % 3 === 0 ? 'web' : 'backend' },
      },
      spec: {
        nodeName: `node-${i % 3}`,
        containers: [
          {
            name: 'c',
            ports: [
              { name: 'http', containerPort: 8080 },
              { name: 'metrics', containerPort: 9090 },
            ],
          },
        ],
      },
      status: { phase: 'Running', podIP: `10.244.${i % 3}.${10 + i}`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  const netpols: NetworkPolicy[] = [
    {
      metadata: { name: 'default-deny', namespace: 'bench' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
  ];
  for (let i = 1; i < policies; i++) {
    const app = `app-${i % 10}`;
    netpols.push({
      metadata: { name: `policy-${i}`, namespace: 'bench' },
      spec: {
        podSelector: { matchLabels: { app } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: `app-${(i + 1) % 10}` } } }], ports: [{ port: 'http' }] },
          { from: [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }], ports: [{ port: 9090 }] },
          {
            from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }],
            ports: [{ port: 8000, endPort: 8100 }],
          },
        ],
        egress: [
          { to: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] } }] },
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ port: 53, protocol: 'UDP' }],
          },
        ],
      },
    });
  }
  return { namespaces, pods: list, networkPolicies: netpols };
}

function median(runs: number, fn: () => void): number {
  return medianOf(runs, fn).wall;
}

/** Median wall time and median CPU time (the latter steadier on a shared machine), in ms. */
function medianOf(runs: number, fn: () => void): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    fn();
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: mid(wall), cpu: mid(cpu) };
}

export async function run(): Promise<Figure[]> {
  const objects = cluster(50, 20);
  let entries = 0;
  const matrix = medianOf(15, () => {
    entries = reachabilityMatrix(objects, { namespaces: ['bench'] }).length;
  });
  const connlist = median(15, () => analyzerConnlist(objects));
  const one = median(200, () =>
    connect(objects, { kind: 'pod', namespace: 'bench', name: 'pod-1' }, { ip: '10.244.2.12', port: 8080 }),
  );
  const big = cluster(200, 40);
  const bigMatrix = median(3, () => reachabilityMatrix(big));
  return [
    {
      name: 'reachability matrix, 50 pods x 20 policies (median of 15)',
      value: matrix.wall,
      unit: 'ms',
      goal: '< 50 ms',
    },
    { name: 'the same, CPU time (steadier on a shared machine)', value: matrix.cpu, unit: 'ms', goal: '< 50 ms' },
    { name: 'matrix entries (pod pairs x declared ports)', value: entries, unit: '' },
    { name: 'analyzer connlist, 50 pods x 20 policies (exact port sets)', value: connlist, unit: 'ms' },
    { name: 'one connect() from scratch (index + judge)', value: one, unit: 'ms', goal: '< 1 ms' },
    { name: 'reachability matrix, 200 pods x 40 policies', value: bigMatrix, unit: 'ms' },
  ];
}
