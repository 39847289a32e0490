import { applyAsLearner, waitForSettled } from '@paranoid/catalog/apply.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { createKubeApi, defaultInternet, type InternetFn, KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import type { ClusterSnapshot } from '@paranoid/sim/cluster.ts';
import { createCluster } from '@paranoid/sim/cluster.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import { afterAll, beforeAll } from 'vitest';
import type { KubeApi } from '../kube-api.ts';

/** One simulated cluster served over HTTPS in this process, and the grader's view of it. */
export interface SimCluster {
  /** The one Kubernetes client, as `paranoid check` and the learner's editor use it. */
  readonly client: KubeClient;
  /** The grader's port over {@link client}; `internet` replaces the provider's internet when given. */
  api(internet?: InternetFn): KubeApi;
  /** Server-side applies objects as the learner's editor does, then waits until the workloads roll out. */
  apply(objects: KubeObject[]): Promise<void>;
  /** Merge-patches an object's status subresource, as a learner with cluster-admin can. */
  patchStatus(path: string, status: Record<string, unknown>): Promise<KubeObject>;
  close(): void;
}

/** The host and the settled bare cluster every {@link SimCluster} of one test file starts from. */
export interface SimClusters {
  /** A fresh cluster: a copy of the settled bare one, so the test does not wait for kind's system pods. */
  cluster(): SimCluster;
  close(): Promise<void>;
}

const SETTLE_MS = 20_000;

/**
 * Starts the real simulator host in this process, as `paranoid validate` does: one bare cluster
 * is bootstrapped and brought to rest once, and each test gets a copy of it. Everything the
 * tests create goes through the API, with the real RBAC, admission, controllers and kubelet.
 */
export async function startSimClusters(images: ImageDefinition[] = []): Promise<SimClusters> {
  const host: SimHost = await createSimHost({ host: '127.0.0.1', port: 0 });
  const options = () => simulatedClusterOptions({ clock: realClock, ids: randomIds, images, internet: [] });
  const template = await settledSnapshot(createCluster(options()));
  const open = new Set<KubeClient>();
  return {
    cluster() {
      const hosted = host.addCluster({ ...options(), from: template });
      const client = new KubeClient(
        kubeconfigYaml({
          server: hosted.server,
          token: hosted.token,
          certificateAuthority: host.caCertificate,
          context: 'grader-test',
          user: 'grader-test-admin',
          namespace: 'default',
        }),
      );
      open.add(client);
      return {
        client,
        api: (internet) => createKubeApi(client, internet ?? defaultInternet(client)),
        async apply(objects) {
          await applyAsLearner(client, objects);
          const moving = await waitForSettled(client, SETTLE_MS);
          if (moving.length > 0) throw new Error(`failed to settle the cluster: ${moving.join('; ')}`);
        },
        async patchStatus(path, status) {
          return (await client.send(
            'PATCH',
            `${path}/status`,
            { status },
            'application/merge-patch+json',
          )) as KubeObject;
        },
        close() {
          open.delete(client);
          client.close();
          host.removeCluster(hosted.id);
        },
      };
    },
    async close() {
      for (const client of open) client.close();
      await host.close();
    },
  };
}

/** Waits until the cluster's system pods run and nothing has changed for a while, then copies it. */
async function settledSnapshot(cluster: ReturnType<typeof createCluster>): Promise<ClusterSnapshot> {
  const deadline = performance.now() + SETTLE_MS;
  let last = '';
  let quiet = 0;
  try {
    while (performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      const rv = cluster.store.resourceVersion();
      quiet = rv === last ? quiet + 1 : 0;
      last = rv;
      if (quiet >= 8) return cluster.snapshot();
    }
    throw new Error(`failed to settle a bare simulated cluster in ${SETTLE_MS} ms`);
  } finally {
    cluster.stop();
  }
}

/**
 * The simulated clusters of one test file: started before its tests, closed after them.
 * Call it at the top of the file; each test takes a fresh cluster with `cluster()`.
 */
export function simClustersForFile(images: ImageDefinition[] = []): Pick<SimClusters, 'cluster'> {
  let sim: SimClusters | undefined;
  beforeAll(async () => {
    sim = await startSimClusters(images);
  }, 30_000);
  afterAll(async () => {
    await sim?.close();
  });
  return {
    cluster() {
      if (!sim) throw new Error('failed to take a cluster: the simulated clusters are not started yet');
      return sim.cluster();
    },
  };
}
