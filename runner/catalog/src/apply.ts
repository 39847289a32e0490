import type { KubeObject } from '@paranoid/k8s/object.ts';
import { apiErrorMessage, KubeApiError, type KubeClient, resourcePath } from '@paranoid/kube/client.ts';
import { ClusterClient } from '@paranoid/kube/cluster-client.ts';
import type { Manifest } from '@paranoid/kube/manifests.ts';
import type { CloudChange, Deletion } from '@paranoid/schema/scenario.ts';

/** Kinds that others depend on go first, as kubectl and Helm order them. */
const ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'LimitRange',
  'ResourceQuota',
  'PriorityClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'NetworkPolicy',
  'Service',
];
const rank = (kind: string) => {
  const i = ORDER.indexOf(kind);
  return i < 0 ? ORDER.length : i;
};

const label = (o: { kind?: string; metadata?: { namespace?: string; name?: string } }) =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

const isNotFound = (error: unknown) => error instanceof KubeApiError && error.code === 404;

/**
 * The time a client waits in for a cluster: the wall clock, or (validate on the simulator) the cluster's
 * own clock, which skips ahead to what is waited for instead of passing it in real time.
 */
export interface ClusterTime {
  /** Milliseconds since the epoch on this time. */
  now(): number;
  /** Resolves after `ms` of this time. */
  sleep(ms: number): Promise<void>;
  /**
   * A token that changes whenever anything in the cluster is written, where the client can read one
   * without a request (validate's simulator, in the same process): a wait that finds it unchanged knows
   * nothing moved and skips its lists. (A real API server's list resourceVersion is no such token: its
   * watch cache advances per resource.)
   */
  writes?(): string;
}

/** The wall clock: what every cluster but validate's simulated ones is waited for in. */
export const wallTime: ClusterTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Applies objects exactly as the learner's editor does (server-side apply, object by
 * object, through `ClusterClient`), ordered by kind so Namespaces and RBAC exist before
 * what uses them. Throws on the first object the API refuses, naming it, with the
 * server's own message. A scenario's setup, its solution and its variants all go
 * through here, so `validate` proves the path learners take.
 */
export async function applyAsLearner(client: KubeClient, manifests: KubeObject[]): Promise<void> {
  const sorted = [...manifests].sort((a, b) => rank(a.kind) - rank(b.kind)) as unknown as Manifest[];
  const results = await new ClusterClient(client).apply(sorted);
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) {
    const what = label({ kind: failed.kind, metadata: { namespace: failed.namespace, name: failed.name } });
    throw new Error(`failed to apply ${what}: ${failed.message}`);
  }
}

/**
 * Brings a new cluster to a scenario's starting state: its setup applied as the learner
 * applies, then the wait until it is at rest. The one provisioning path: `serve` (on
 * every provider), `sim`, `validate` and the benches all call it. Returns what was
 * still moving when time ran out (empty when the setup settled).
 */
export async function provisionScenario(
  client: KubeClient,
  setup: KubeObject[],
  options: { settleTimeoutMs: number; time?: ClusterTime },
): Promise<string[]> {
  await applyAsLearner(client, setup);
  return options.settleTimeoutMs > 0 ? waitForSettled(client, options.settleTimeoutMs, options.time) : [];
}

/** Deletes objects (missing ones are fine) and waits until they are gone, so a name can be reused. */
export async function deleteObjects(
  client: KubeClient,
  deletions: Deletion[],
  timeoutMs = 30_000,
  time: ClusterTime = wallTime,
): Promise<void> {
  const paths: { path: string; what: string }[] = [];
  for (const d of deletions) {
    const what = d.name
      ? label({ kind: d.kind, metadata: { namespace: d.namespace, name: d.name } })
      : `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}-l ${d.labelSelector}`;
    try {
      let names = d.name ? [d.name] : [];
      if (d.labelSelector) {
        const collection = await client.path(d.apiVersion, d.kind, d.namespace);
        const list = (await client.send(
          'GET',
          `${collection}?labelSelector=${encodeURIComponent(d.labelSelector)}`,
        )) as {
          items?: KubeObject[];
        };
        names = (list.items ?? []).map((o) => o.metadata.name ?? '');
      }
      for (const name of names) {
        const path = await client.path(d.apiVersion, d.kind, d.namespace, name);
        try {
          await client.send('DELETE', path, {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
          });
          paths.push({ path, what: `${d.kind} ${name}` });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    } catch (error) {
      if (!isNotFound(error)) throw new Error(`failed to delete ${what}: ${apiErrorMessage(error)}`);
    }
  }
  const deadline = time.now() + timeoutMs;
  for (const { path, what } of paths) {
    for (;;) {
      const { status } = await client.raw('GET', path);
      if (status === 404) break;
      if (time.now() > deadline) throw new Error(`failed to delete ${what}: still there after ${timeoutMs} ms`);
      await time.sleep(100);
    }
  }
}

/** The cloud's control plane on the simulator: what the learner's `aws ec2` calls. */
const CLOUD_INSTANCES = '/paranoid/v1/cloud/instances';

/**
 * A change set's `cloud.yaml`, as the learner's `aws ec2 modify-instance-metadata-options`
 * makes it: each entry on the instance of every node its `nodeSelector` selects (every node
 * without one), found by the `kubernetes.io/hostname` tag the node group puts on it. The
 * cloud's own validation answers for the values; its error is the cause. Returns the ids of the
 * instances changed, in order (an instance once per change that names it). The learner's editor
 * applies a pasted `cloud.yaml` through here too.
 */
export async function applyCloudChanges(client: KubeClient, changes: CloudChange[]): Promise<string[]> {
  if (changes.length === 0) return [];
  const changed: string[] = [];
  let instances: Array<{ InstanceId?: string; Tags?: Array<{ Key?: string; Value?: string }> }>;
  try {
    const body = (await client.send('GET', CLOUD_INSTANCES)) as {
      Reservations?: Array<{ Instances?: typeof instances }>;
    };
    instances = (body.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  } catch (error) {
    throw new Error(`failed to describe the cloud instances: ${apiErrorMessage(error)}`);
  }
  for (const change of changes) {
    const query = change.nodeSelector ? `?labelSelector=${encodeURIComponent(change.nodeSelector)}` : '';
    let nodes: string[];
    try {
      const list = (await client.send('GET', `/api/v1/nodes${query}`)) as { items?: KubeObject[] };
      nodes = (list.items ?? []).map((n) => n.metadata.name ?? '');
    } catch (error) {
      throw new Error(`failed to list nodes ${change.nodeSelector ?? ''}: ${apiErrorMessage(error)}`);
    }
    if (nodes.length === 0) throw new Error(`failed to change the cloud: no node matches ${change.nodeSelector}`);
    for (const node of nodes) {
      const id = instances.find((i) =>
        i.Tags?.some((t) => t.Key === 'kubernetes.io/hostname' && t.Value === node),
      )?.InstanceId;
      if (!id) throw new Error(`failed to change the cloud: no instance is tagged kubernetes.io/hostname=${node}`);
      const body = {
        ...(change.httpTokens !== undefined ? { HttpTokens: change.httpTokens } : {}),
        ...(change.httpPutResponseHopLimit !== undefined
          ? { HttpPutResponseHopLimit: change.httpPutResponseHopLimit }
          : {}),
      };
      try {
        await client.send('POST', `${CLOUD_INSTANCES}/${encodeURIComponent(id)}/metadata-options`, body);
      } catch (error) {
        throw new Error(`failed to modify the metadata options of instance ${id}: ${apiErrorMessage(error)}`);
      }
      changed.push(id);
    }
  }
  return changed;
}

interface Workload {
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; deletionTimestamp?: unknown };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
  };
}

/** What a Job says about its end. */
interface JobStatus {
  metadata?: { ownerReferences?: { kind: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

function settled(w: Workload): boolean {
  const s = w.status ?? {};
  if ((s.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return false;
  if (w.kind === 'DaemonSet') {
    return (
      (s.numberReady ?? 0) >= (s.desiredNumberScheduled ?? 0) &&
      (s.updatedNumberScheduled ?? 0) >= (s.desiredNumberScheduled ?? 0)
    );
  }
  const want = w.spec?.replicas ?? 1;
  return (s.readyReplicas ?? 0) >= want && (s.updatedReplicas ?? 0) >= want && (s.replicas ?? 0) <= want;
}

/**
 * Waits until every Deployment, StatefulSet and DaemonSet has rolled out and no
 * pod is terminating, or the time is up: checks judge a cluster at rest, and a
 * fix whose pods never become ready is judged as it stands. Returns what was
 * still moving when time ran out (empty when all settled).
 */
export async function waitForSettled(
  client: KubeClient,
  timeoutMs: number,
  time: ClusterTime = wallTime,
): Promise<string[]> {
  const deadline = time.now() + timeoutMs;
  let seen: { writes: string; moving: string[] } | undefined;
  for (;;) {
    const writes = time.writes?.();
    const moving = writes !== undefined && writes === seen?.writes ? seen.moving : await movingWorkloads(client);
    if (writes !== undefined) seen = { writes, moving };
    if (moving.length === 0 || time.now() > deadline) return moving;
    await time.sleep(50);
  }
}

/** The Jobs, workloads and pods of a cluster still on their way to rest. */
async function movingWorkloads(client: KubeClient): Promise<string[]> {
  const list = async (apiVersion: string, plural: string) =>
    ((await client.send('GET', resourcePath(apiVersion, plural))) as { items?: Workload[] }).items ?? [];
  const moving: string[] = [];
  // A Job written on its own (a build a fix starts) runs to an end, and what it leaves (an
  // image pushed, a workload updated) is part of the state to judge. A CronJob's Jobs come
  // and go on its schedule, and are not waited for. Jobs are read first: a workload a Job
  // changed just before it completed is then read after the change.
  for (const job of (await list('batch/v1', 'jobs')) as (Workload & JobStatus)[]) {
    const owned = job.metadata?.ownerReferences?.some((o) => o.kind === 'CronJob');
    const done = job.status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    if (!owned && !done) moving.push(label({ ...job, kind: 'Job' }));
  }
  for (const [plural, kind] of [
    ['deployments', 'Deployment'],
    ['statefulsets', 'StatefulSet'],
    ['daemonsets', 'DaemonSet'],
  ] as const) {
    for (const item of await list('apps/v1', plural)) {
      if (!settled({ ...item, kind })) moving.push(label({ ...item, kind }));
    }
  }
  for (const pod of await list('v1', 'pods')) {
    if (pod.metadata?.deletionTimestamp) moving.push(label({ ...pod, kind: 'Pod' }));
  }
  return moving;
}
