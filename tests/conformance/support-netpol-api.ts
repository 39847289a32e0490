/**
 * The API round trip for the NetworkPolicy conformance cases: objects are
 * created in a fresh simulated cluster through its API, read back with the
 * real kubectl, and only then handed to the network engine.
 */
import { join } from 'node:path';
import { writeKubeconfig } from '@paranoid/kube/kubeconfig.ts';
import type { NetworkObjects } from '@paranoid/sim/network/index.ts';
import { runKubectl, type StartedSim } from '../support/sim.ts';

/** Where a pod's workload name travels through the API (owners are dropped: nothing would own them there). */
export const WORKLOAD_ANNOTATION = 'conformance.paranoid.dev/workload';

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  status?: unknown;
  [k: string]: unknown;
};

/** Server-set fields a create must not carry, and owners that would not exist in the new cluster. */
const DROPPED_META = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'selfLink',
  'managedFields',
  'generation',
  'ownerReferences',
];

function fresh(object: Obj, extra: Record<string, string> = {}): Obj {
  const meta: Record<string, unknown> = { ...(object.metadata ?? {}) };
  for (const key of DROPPED_META) delete meta[key];
  const annotations = { ...((meta.annotations as Record<string, string>) ?? {}), ...extra };
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  const copy: Obj = { ...object, metadata: meta };
  delete copy.status;
  return copy;
}

/**
 * Creates the case's namespaces, pods and policies in a new cluster of `sim`'s
 * host, reads them back with kubectl, and returns them with the workload map.
 */
export async function roundTrip(
  sim: StartedSim,
  objects: NetworkObjects,
  workloadOf: Map<string, string>,
): Promise<{ objects: NetworkObjects; workloadOf: Map<string, string>; errors: string[] }> {
  const hosted = sim.host.addCluster();
  const errors: string[] = [];
  try {
    const call = (method: string, path: string, body?: unknown) =>
      hosted.cluster.callApi(hosted.token, method, path, body);
    const namespaces = new Set<string>((objects.namespaces ?? []).map((n) => n.metadata?.name ?? ''));
    for (const p of objects.pods ?? []) namespaces.add(p.metadata?.namespace ?? 'default');
    for (const p of objects.networkPolicies ?? []) namespaces.add(p.metadata?.namespace ?? 'default');
    const given = new Map((objects.namespaces ?? []).map((n) => [n.metadata?.name ?? '', n]));
    for (const name of [...namespaces].sort()) {
      const ns = given.get(name) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      const r = call('POST', '/api/v1/namespaces', fresh({ ...ns, apiVersion: 'v1', kind: 'Namespace' } as Obj));
      if (r.status !== 201 && r.status !== 409) errors.push(`namespace ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    for (const p of objects.pods ?? []) {
      const ns = p.metadata?.namespace ?? 'default';
      const workload = workloadOf.get(`${ns}/${p.metadata?.name}`) ?? '';
      const r = call(
        'POST',
        `/api/v1/namespaces/${ns}/pods`,
        fresh({ ...p, apiVersion: 'v1', kind: 'Pod' } as Obj, { [WORKLOAD_ANNOTATION]: workload }),
      );
      if (r.status !== 201)
        errors.push(`pod ${ns}/${p.metadata?.name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    for (const np of objects.networkPolicies ?? []) {
      const ns = np.metadata?.namespace ?? 'default';
      const r = call(
        'POST',
        `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
        fresh({ ...np, apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' } as Obj),
      );
      if (r.status !== 201)
        errors.push(`networkpolicy ${ns}/${np.metadata?.name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }

    const kubeconfig = join(sim.dir, `kubeconfig-${hosted.id}`);
    writeKubeconfig(kubeconfig, {
      server: hosted.server,
      token: hosted.token,
      certificateAuthority: sim.host.caCertificate,
    });
    const read = await runKubectl(kubeconfig, join(sim.dir, `cache-${hosted.id}`), [
      'get',
      'namespaces,pods,networkpolicies',
      '--all-namespaces',
      '-o',
      'json',
    ]);
    if (read.code !== 0) throw new Error(`kubectl get failed: ${read.stderr}`);
    const list = JSON.parse(read.stdout) as { items: Obj[] };
    const back: Required<Pick<NetworkObjects, 'namespaces' | 'pods' | 'networkPolicies'>> = {
      namespaces: [],
      pods: [],
      networkPolicies: [],
    };
    const backWorkloads = new Map<string, string>();
    for (const item of list.items) {
      if (item.kind === 'Namespace' && namespaces.has(String(item.metadata?.name))) back.namespaces.push(item as never);
      else if (item.kind === 'NetworkPolicy') back.networkPolicies.push(item as never);
      else if (item.kind === 'Pod') {
        const annotations = (item.metadata?.annotations ?? {}) as Record<string, string>;
        const workload = annotations[WORKLOAD_ANNOTATION];
        if (!workload) continue;
        back.pods.push(item as never);
        backWorkloads.set(`${item.metadata?.namespace}/${item.metadata?.name}`, workload);
      }
    }
    return { objects: back, workloadOf: backWorkloads, errors };
  } finally {
    sim.host.removeCluster(hosted.id);
  }
}
