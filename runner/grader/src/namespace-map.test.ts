import type { KubeObject } from '@paranoid/k8s/object.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import type { Scenario } from '@paranoid/schema/scenario.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grade } from './grade.ts';
import { mapNamespaces } from './namespace-map.ts';
import { type SimCluster, type SimClusters, startSimClusters } from './testing/sim-cluster.ts';
import { testScenario } from './testing/test-scenario.ts';

/**
 * Two learners' namespaces on one simulated host, as the namespace provider makes them:
 * the scenario's checks name `shop`, and each learner's `shop` is a namespace of their own.
 */
const SCENARIO: Scenario = testScenario(
  [
    {
      id: 'safe-mode',
      title: 'Every settings ConfigMap in shop is in safe mode',
      failure: 'unsafe',
      object: {
        resource: 'configmaps',
        select: 'has(object.data) && has(object.data.mode)',
        rule: "object.metadata.namespace == 'shop' && object.data.mode == 'safe'",
      },
    },
    {
      id: 'no-secret-reader',
      title: 'The app cannot read Secrets',
      failure: 'it can',
      probe: {
        kind: 'access-review',
        subject: { serviceAccount: { namespace: 'shop', name: 'app' } },
        namespaces: ['shop'],
        attempts: [{ verb: 'get', resource: 'secrets' }],
      },
      expect: 'fail',
    },
  ],
  [{ id: 'a', title: 'a', probe: { kind: 'exec', pod: { namespace: 'shop', name: 'y' }, command: ['true'] } }],
  { id: 'fits', runsInNamespace: { namespace: 'shop' } },
);

const learner = (ns: string, mode: string, readsSecrets: boolean) =>
  parseManifests(`
apiVersion: v1
kind: Namespace
metadata: { name: ${ns} }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${ns} }
data: { mode: ${mode} }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: app, namespace: ${ns} }
${
  readsSecrets
    ? `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: app-view-secrets, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects: [{ kind: ServiceAccount, name: app, namespace: ${ns} }]
`
    : ''
}`) as unknown as KubeObject[];

let sim: SimClusters;
let cluster: SimCluster;

beforeAll(async () => {
  sim = await startSimClusters();
  cluster = sim.cluster();
  await cluster.apply([...learner('paranoid-good', 'safe', false), ...learner('paranoid-bad', 'unsafe', true)]);
}, 60_000);

afterAll(async () => {
  cluster?.close();
  await sim?.close();
});

describe("grading a learner's namespace that stands in for the scenario's", () => {
  it("passes the learner whose own namespace holds the fix, whatever another learner's holds", async () => {
    const result = await grade(SCENARIO, mapNamespaces(cluster.api(), { shop: 'paranoid-good' }));
    expect(result.checks.map((c) => [c.id, c.passed])).toEqual([
      ['safe-mode', true],
      ['no-secret-reader', true],
    ]);
  });

  it("fails the learner whose own namespace does not, naming the scenario's namespace as they know it", async () => {
    const result = await grade(SCENARIO, mapNamespaces(cluster.api(), { shop: 'paranoid-bad' }));
    expect(result.checks.map((c) => [c.id, c.passed])).toEqual([
      ['safe-mode', false],
      ['no-secret-reader', false],
    ]);
    expect(JSON.stringify(result.checks[0])).toContain('shop/settings');
    expect(JSON.stringify(result.checks[0])).not.toContain('paranoid-bad');
  });

  it('without the map, the same check sees every learner on the host', async () => {
    const result = await grade(SCENARIO, cluster.api());
    expect(result.checks[0]?.passed).toBe(false);
  });
});
