import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { bootstrapCluster } from '../bootstrap/index.ts';
import { R } from './resources.ts';
import { deployment, harness } from './testing/harness.ts';
import type { DeploymentObject, PodObject, ReplicaSetObject } from './types.ts';

/** A compact, stable rendering of what `kubectl get` and `kubectl get events` would show. */
function render(h: ReturnType<typeof harness>, namespace: string): string {
  const lines: string[] = [];
  for (const d of h.store.list(R.deployments, namespace) as DeploymentObject[]) {
    const s = d.status ?? {};
    lines.push(
      `deployment/${d.metadata.name} rev=${d.metadata.annotations?.['deployment.kubernetes.io/revision']} replicas=${s.replicas ?? 0} updated=${s.updatedReplicas ?? 0} ready=${s.readyReplicas ?? 0} available=${s.availableReplicas ?? 0}`,
    );
    for (const c of s.conditions ?? []) lines.push(`  ${c.type}=${c.status} ${c.reason}: ${c.message}`);
  }
  for (const rs of h.store.list(R.replicasets, namespace) as ReplicaSetObject[]) {
    lines.push(
      `replicaset/${rs.metadata.name} rev=${rs.metadata.annotations?.['deployment.kubernetes.io/revision']} desired=${rs.spec.replicas} current=${rs.status?.replicas ?? 0} ready=${rs.status?.readyReplicas ?? 0}`,
    );
  }
  for (const p of h.store.list(R.pods, namespace) as PodObject[]) {
    lines.push(
      `pod/${p.metadata.name} ${p.status?.phase} ${p.spec.nodeName ?? '<none>'} ${p.status?.podIP ?? ''} ${p.spec.containers[0]?.image}`,
    );
  }
  for (const e of h.store.list(R.events, namespace) as (KubeObject & Record<string, unknown>)[]) {
    const io = e.involvedObject as { kind: string; name: string };
    lines.push(
      `event ${e.lastTimestamp} ${e.type} ${e.reason} ${io.kind.toLowerCase()}/${io.name} x${e.count}: ${e.message}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('golden: a rollout on a fresh kind-like cluster under a pinned clock', () => {
  it('matches testdata/deployment-rollout.golden.txt', async () => {
    const h = harness();
    bootstrapCluster({ store: h.store, clock: h.clock, ids: h.ids });
    await h.rollForward();
    h.create(R.deployments, deployment('web', 3, 'nginx:1.27'));
    await h.rollForward();
    const d = h.store.get(R.deployments, 'default', 'web') as DeploymentObject;
    d.spec.template.spec!.containers[0]!.image = 'nginx:1.28';
    h.store.update(R.deployments, d);
    await h.rollForward();
    await expect(render(h, 'default')).toMatchFileSnapshot('./testdata/deployment-rollout.golden.txt');
  });
});
