import { fileURLToPath } from 'node:url';
import { applyAsLearner, deleteObjects } from '@paranoid/catalog/apply.ts';
import { lintAll } from '@paranoid/catalog/lint.ts';
import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import { exportPolicies } from '@paranoid/grader/export-policies.ts';
import type { KubeApi } from '@paranoid/grader/kube-api.ts';
import { runObjectCheck } from '@paranoid/grader/object-check.ts';
import { Snapshot } from '@paranoid/grader/snapshot.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import type { ResourceInfo } from '@paranoid/schema/resources.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import { preloadImages } from '@paranoid/sim/runtime/index.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportYaml, policiesExport } from './policies.ts';
import { imagesToPreload } from './validate-sim.ts';

/**
 * The exported policies on the simulator, for every scenario: on a fresh cluster they
 * refuse exactly the setup objects the grader judges bad; after the setup they admit the
 * solution and every good variant; and they refuse exactly the objects of each bad
 * variant that break an exported check. "Exactly" is decided by the grader itself, run
 * over the one object, so policy and check cannot drift apart.
 */
const root = fileURLToPath(new URL('../../../../scenarios', import.meta.url));
const loaded = lintAll(root)
  .scenarios.map((s) => s.loaded)
  .filter((s): s is LoadedScenario => s !== undefined);

/**
 * Bad variants that no admission policy can catch, with why: their hole shows only in
 * behaviour (a probe) or in what is missing, never in one object as it is written.
 */
const NOT_ADMISSION: Record<string, string> = {
  // The variant's hole is a policy of the learner's that is too weak; judged by dry-run probes.
  'cryptominer-image/bad-containers-only': 'a weak admission policy of its own, shown only by a dry-run probe',
  'cryptominer-image/bad-denylist': 'a weak admission policy of its own, shown only by a dry-run probe',
  'cryptominer-image/bad-no-ephemeral-subresource': 'a weak admission policy of its own, shown only by a dry-run probe',
  'cryptominer-image/bad-prefix-without-slash': 'a weak admission policy of its own, shown only by a dry-run probe',
  'cryptominer-image/bad-warn-only': 'a warn-only binding of its own, shown only by a dry-run probe',
  'root-container-escape/bad-warn-only': 'a warn-only namespace label, shown only by a dry-run probe',
  // What is wrong already exists (the setup made it; the setup case shows the policy refuses it) or is missing.
  'cryptominer-image/bad-cronjob-forgotten':
    "the bad CronJob is the setup's, left in place; the variant writes nothing bad",
  'cryptominer-image/bad-resizer-deleted': 'a deletion: what is wrong is an app that no longer exists',
  // RBAC and exposure are judged by access reviews and requests from the internet, over many objects at once.
  'exposed-dashboard/bad-edit-in-telemetry': 'RBAC paths, judged by access-review probes',
  'exposed-dashboard/bad-group-binding': 'RBAC paths, judged by access-review probes',
  'exposed-dashboard/bad-ingress':
    'an Ingress judged against the Services and pods behind it (with:), and a request from the internet',
  'exposed-dashboard/bad-loadbalancer':
    'a Service judged against the pods it selects (with:), and a request from the internet',
  'exposed-dashboard/bad-still-nodeport':
    'a Service judged against the pods it selects (with:), and a request from the internet',
  // NetworkPolicies are judged by reachability probes: what a set of policies allows is not one object's property.
  'missing-networkpolicy/bad-any-namespace-to-db': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-egress-to-world': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-forgets-egress': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-frontend-to-db': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-intruder-to-api': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-no-dns': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-or-instead-of-and': 'NetworkPolicies, judged by reachability probes',
  // RBAC paths are judged by access reviews and by rules read together with bindings (with:).
  'rbac-token-theft/bad-exec-kept': 'RBAC paths, judged by access-review probes',
  'rbac-token-theft/bad-wildcard-resources': 'RBAC paths, judged by access-review probes',
  'rbac-token-theft/bad-ephemeral-debug': 'RBAC paths, judged by access-review probes',
  'rbac-token-theft/bad-ci-role-removed': 'RBAC paths, judged by access-review probes',
  'rbac-token-theft/bad-ci-rights-cluster-wide': 'bindings judged together with the pods they reach (with:)',
  'rbac-token-theft/bad-ci-role-in-controller-namespace': 'bindings judged together with the pods they reach (with:)',
  'rbac-token-theft/bad-cache-token-kept': 'a pod spec judged together with its service account (with:)',
  'rbac-token-theft/bad-controller-token-removed': 'a pod spec judged together with its service account (with:)',
  // Namespace labels and removed containers: judged by dry-run probes and the app's readiness.
  'capabilities-and-seccomp/bad-baseline-enforce': 'a namespace label, judged by dry-run probes',
  'capabilities-and-seccomp/bad-warn-only': 'a namespace label, judged by dry-run probes',
  'capabilities-and-seccomp/bad-agent-removed': 'a container removed: judged by the Deployment (status and contents)',
  // Detection rules: judged by the alerts Falco raises while attack and normal work are replayed.
  'runtime-detection/bad-all-of-etc': 'Falco rules, judged by the alerts of replayed work',
  'runtime-detection/bad-every-shell': 'Falco rules, judged by the alerts of replayed work',
  'runtime-detection/bad-fake-agent': 'an agent that is not Falco, judged by the alerts of replayed work',
  'runtime-detection/bad-min-priority-error': 'Falco configuration, judged by the alerts of replayed work',
  'runtime-detection/bad-open-not-openat': 'Falco rules, judged by the alerts of replayed work',
  'runtime-detection/bad-scoped-to-shop': 'Falco rules, judged by the alerts of replayed work',
  'runtime-detection/bad-stock-priority': 'Falco rules, judged by the alerts of replayed work',
  'runtime-detection/bad-terminal-only': 'Falco rules, judged by the alerts of replayed work',
  'rbac-token-theft/bad-controller-still-in-build':
    "the controller in build is the setup's, left in place; the variant writes nothing bad",
  // Near misses added with the grader's review of every check (issue #15).
  'cryptominer-image/bad-digest-means-trusted': 'a weak admission policy of its own, shown only by a dry-run probe',
  'root-container-escape/bad-policy-scoped-to-monitor':
    'a weak admission policy of its own, shown only by dry-run probes in several guises',
  'root-container-escape/bad-vap-privileged-only': 'a weak admission policy of its own, shown only by dry-run probes',
  'exposed-dashboard/bad-new-account-same-powers': "RBAC paths of the image's account, judged by access-review probes",
  'missing-networkpolicy/bad-api-label-from-any-namespace': 'NetworkPolicies read together (with:) and reachability',
  'missing-networkpolicy/bad-frontend-same-namespace-only': 'NetworkPolicies, judged by reachability probes',
  'missing-networkpolicy/bad-intruder-quarantined': 'NetworkPolicies, judged by reachability probes',
  // secrets-in-plain-sight: what the running ledger requires, who can read Secrets, who reaches the ledger.
  'secrets-in-plain-sight/bad-empty-password': 'the password the running ledger requires, judged by an exec probe',
  'secrets-in-plain-sight/bad-not-rotated': 'the password the running ledger requires, judged by an exec probe',
  'secrets-in-plain-sight/bad-netpol-instead-of-rotation':
    "NetworkPolicies and the ledger's password, judged by probes",
  'secrets-in-plain-sight/bad-netpol-shuts-out-checkout': 'NetworkPolicies, judged by reachability probes',
  'secrets-in-plain-sight/bad-viewers-locked-out': 'RBAC paths, judged by access-review probes',
  'secrets-in-plain-sight/bad-wildcard-role-kept': 'RBAC paths, judged by access-review probes',
  // unsigned-image: the hole is an image policy of the learner's (or its absence), judged by dry-run probes.
  'unsigned-image/bad-both-keys': 'a weak image policy of its own, shown only by dry-run probes',
  'unsigned-image/bad-digest-allowlist':
    'an admission policy of its own that is too strict, shown only by dry-run probes',
  'unsigned-image/bad-glob-with-tag': 'an image policy of its own that matches nothing, shown only by dry-run probes',
  'unsigned-image/bad-lookalike-left-running':
    "the look-alike Deployment is the setup's, left in place; the variant writes nothing bad",
  'unsigned-image/bad-no-match-allow': 'a weak policy-controller config of its own, shown only by dry-run probes',
  'unsigned-image/bad-not-opted-in': 'a namespace left without its label, shown only by dry-run probes',
  'unsigned-image/bad-retired-key-only': 'an image policy of its own with the wrong key, shown only by dry-run probes',
  'unsigned-image/bad-static-pass': 'a weak image policy of its own, shown only by dry-run probes',
  'unsigned-image/bad-warn-mode': 'a warn-only image policy of its own, shown only by dry-run probes',
  // ci-gate-bypass: the hole is in the pipeline's script or an image policy of the learner's, judged by what
  // the pipeline does when the grader runs it and by dry-run probes; no object of the variant is itself bad.
  'ci-gate-bypass/bad-continue-on-error': "a pipeline script's text, judged by running the pipeline",
  'ci-gate-bypass/bad-critical-only': "a pipeline script's text, judged by running the pipeline",
  'ci-gate-bypass/bad-critical-still-dropped': "a pipeline script's text, judged by running the pipeline",
  'ci-gate-bypass/bad-no-errexit': "a pipeline script's text, judged by running the pipeline",
  'ci-gate-bypass/bad-pipeline-unchanged': "the setup's pipeline left in place; the variant writes nothing bad",
  'ci-gate-bypass/bad-developer-key-too':
    'an image policy of its own that trusts one key too many, shown only by dry-run probes',
  'ci-gate-bypass/bad-signature-only': 'a weak image policy of its own, shown only by dry-run probes',
  'ci-gate-bypass/bad-warn-mode': 'a warn-only image policy of its own, shown only by dry-run probes',
  'ci-gate-bypass/bad-digest-allowlist':
    'an admission policy of its own that is too strict, shown only by running the pipeline and a dry-run probe',
  'ci-gate-bypass/bad-vulnerable-still-running':
    "checkout's Deployment is the setup's, left in place; the variant writes nothing bad",
  // kubelet-anonymous-auth: the kubelets' running configuration is on the nodes, no API object.
  'kubelet-anonymous-auth/bad-anonymous-off-always-allow': "a kubelet's running configuration, read from the node",
  'kubelet-anonymous-auth/bad-webhook-anonymous-on': "a kubelet's running configuration, read from the node",
  'kubelet-anonymous-auth/bad-control-plane-left-open': "a kubelet's running configuration, read from the node",
  'kubelet-anonymous-auth/bad-file-fixed-kubelet-not-restarted':
    "a kubelet's running configuration, which no longer matches its file",
  'kubelet-anonymous-auth/bad-kubelet-fixed-no-egress': 'NetworkPolicies, judged by reachability probes',
  'kubelet-anonymous-auth/bad-egress-only-metadata-blocked': 'NetworkPolicies, judged by reachability probes',
  'kubelet-anonymous-auth/bad-egress-denies-dns': 'NetworkPolicies, judged by reachability probes',
  'kubelet-anonymous-auth/bad-log-shipper-removed': 'a deletion: what is wrong is an app that no longer exists',
  // resource-exhaustion: what runs already, what is missing, and priorities compared across pods.
  'resource-exhaustion/bad-cache-bounded-payment-left-besteffort':
    "the BestEffort payment API is the setup's, left in place; the variant writes nothing bad",
  'resource-exhaustion/bad-limitrange-not-restarted':
    "the unlimited cache pod is the setup's, created before the LimitRange; the variant writes nothing bad",
  'resource-exhaustion/bad-payment-class-below-analytics': 'priorities compared across every team’s pods (with:)',
  'resource-exhaustion/bad-payment-limits-below-usage':
    'limits below what the process uses, shown only by the running app (an exec probe)',
  'resource-exhaustion/bad-quota-only-for-analytics': 'a ResourceQuota that is missing, judged per namespace (with:)',
  'resource-exhaustion/bad-report-cache-deleted': 'a deletion: what is wrong is an app that no longer exists',
  // metadata-ssrf: the instances' metadata options live in the cloud, the proxy's reach in the network.
  'metadata-ssrf/bad-hop-limit-two': "the instances' metadata options, read from the cloud",
  'metadata-ssrf/bad-imdsv1-still-allowed': "the instances' metadata options, read from the cloud",
  'metadata-ssrf/bad-egress-policy-only': "the instances' metadata options, read from the cloud",
  'metadata-ssrf/bad-workers-only': "the instances' metadata options, read from the cloud",
  'metadata-ssrf/bad-policy-wrong-label': 'NetworkPolicies, judged by reachability probes',
  'metadata-ssrf/bad-link-local-allowed-for-dns': 'NetworkPolicies, judged by reachability probes',
  'metadata-ssrf/bad-upstream-blocked': 'NetworkPolicies, judged by an internet probe through the app',
  'metadata-ssrf/bad-egress-denies-dns': 'NetworkPolicies, judged by an internet probe through the app',
  'metadata-ssrf/bad-proxy-deleted': 'a deletion: what is wrong is an app that no longer exists',
  // dockerfile-hardening: the Dockerfile is parsed by a check-only function, and the image by probes.
  'dockerfile-hardening/bad-apt-left-in': 'what the built image holds, read from the registry by a probe',
  'dockerfile-hardening/bad-artifact-by-tag': 'a Dockerfile, parsed by a check-only function (dockerfile())',
  'dockerfile-hardening/bad-debian-by-tag': 'a Dockerfile, parsed by a check-only function (dockerfile())',
  'dockerfile-hardening/bad-distroless-latest': 'a Dockerfile, parsed by a check-only function (dockerfile())',
  'dockerfile-hardening/bad-dockerfile-fixed-not-rebuilt':
    "the image running is the setup's, left in place; the variant writes nothing bad",
  'dockerfile-hardening/bad-key-removed-in-later-layer': "the built image's layers, read from the registry by a probe",
  'dockerfile-hardening/bad-token-as-build-arg': "the built image's history, read from the registry by a probe",
  'dockerfile-hardening/bad-user-zero': 'a Dockerfile, parsed by a check-only function (dockerfile())',
};

let host: SimHost;
beforeAll(async () => {
  host = await createSimHost({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await host.close();
});

function clusterFor(scenario: LoadedScenario): { client: KubeClient; remove: () => void } {
  const c = host.addCluster(
    simulatedClusterOptions({
      clock: realClock,
      ids: randomIds,
      images: scenario.imageDefinitions,
      internet: scenario.scenario.internet,
    }),
  );
  preloadImages(c.cluster.store, imagesToPreload(scenario));
  const client = new KubeClient(
    kubeconfigYaml({ server: c.server, token: c.token, certificateAuthority: host.caCertificate }),
  );
  return {
    client,
    remove: () => {
      client.close();
      host.removeCluster(c.id);
    },
  };
}

/** The exported MUST checks this one object breaks, as the grader judges it alone. */
async function breaks(scenario: LoadedScenario, object: KubeObject, exported: string[]): Promise<string[]> {
  const api = {
    list: async (info: ResourceInfo) =>
      object.kind === info.kind && object.apiVersion.split('/').slice(0, -1).join('/') === info.group ? [object] : [],
  } as unknown as KubeApi;
  const snapshot = new Snapshot(api);
  const broken: string[] = [];
  for (const check of scenario.scenario.checks) {
    if (check.level !== 'MUST' || !exported.includes(check.id) || !check.object) continue;
    // Existence (`min`) is not the question here: whether this object, if judged, passes.
    const outcome = await runObjectCheck({ ...check.object, min: 0 }, snapshot);
    if (!outcome.passed) broken.push(check.id);
  }
  return broken;
}

const label = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Creates or replaces each object on its own; returns the labels of those refused, with the API's message. */
async function applyEach(client: KubeClient, objects: KubeObject[]): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const object of objects) {
    try {
      await applyAsLearner(client, [object]);
    } catch (error) {
      refused.set(label(object), error instanceof Error ? error.message : String(error));
    }
  }
  return refused;
}

const ORDER = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const ordered = (objects: KubeObject[]) =>
  [...objects].sort((a, b) => {
    const rank = (k: string) => (ORDER.indexOf(k) < 0 ? ORDER.length : ORDER.indexOf(k));
    return rank(a.kind) - rank(b.kind);
  });

for (const scenario of loaded) {
  const id = scenario.scenario.id;
  const result = exportPolicies(scenario.scenario, 'deny');
  const policies = result.objects as unknown as KubeObject[];

  describe(`policies exported from ${id}`, () => {
    it('refuse exactly the setup objects that break an exported check, on a fresh cluster', async () => {
      const { client, remove } = clusterFor(scenario);
      try {
        await applyAsLearner(client, policies);
        const refused = await applyEach(client, ordered(scenario.setup));
        const expected: string[] = [];
        for (const object of scenario.setup) {
          const broken = await breaks(scenario, object, result.exported);
          if (broken.length === 0) continue;
          expected.push(label(object));
          // The refusal says the failure text of one of the checks it breaks.
          const failures = broken.map((id) => scenario.scenario.checks.find((c) => c.id === id)!.failure.trim());
          const message = refused.get(label(object)) ?? '';
          expect(
            failures.some((f) => message.includes(f)),
            message,
          ).toBe(true);
        }
        expect([...refused.keys()].sort()).toEqual(expected.sort());
      } finally {
        remove();
      }
    });

    const fixes = [
      { name: 'solution', change: scenario.solution },
      ...scenario.variants.filter((v) => v.expect === 'pass').map((v) => ({ name: v.name, change: v })),
    ];
    for (const { name, change } of fixes) {
      it(`admit every object of ${name} after the setup`, async () => {
        const { client, remove } = clusterFor(scenario);
        try {
          await applyAsLearner(client, scenario.setup);
          await applyAsLearner(client, policies);
          await deleteObjects(client, change.deletions);
          expect(Object.fromEntries(await applyEach(client, ordered(change.manifests)))).toEqual({});
        } finally {
          remove();
        }
      });
    }

    for (const variant of scenario.variants.filter((v) => v.expect === 'fail')) {
      it(`refuse exactly the offending objects of ${variant.name}`, async () => {
        const expected: string[] = [];
        for (const object of variant.manifests) {
          if ((await breaks(scenario, object, result.exported)).length > 0) expected.push(label(object));
        }
        const key = `${id}/${variant.name}`;
        // Not catchable at admission exactly when it is on the list above, with its reason.
        expect(NOT_ADMISSION[key] !== undefined, `${key} on the NOT_ADMISSION list`).toBe(expected.length === 0);
        const { client, remove } = clusterFor(scenario);
        try {
          await applyAsLearner(client, scenario.setup);
          await applyAsLearner(client, policies);
          await deleteObjects(client, variant.deletions);
          const refused = await applyEach(client, ordered(variant.manifests));
          expect([...refused.keys()].sort()).toEqual(expected.sort());
        } finally {
          remove();
        }
      });
    }
  });
}

describe('the bindings on the simulator, by mode', () => {
  const scenario = () => loaded.find((s) => s.scenario.id === 'root-container-escape')!;
  const monitor = () => scenario().setup.find((o) => o.kind === 'Deployment')!;

  for (const [mode, admitted, warned] of [
    ['deny', false, false],
    ['warn', true, true],
    ['audit', true, false],
  ] as const) {
    it(`${mode}: the setup's privileged Deployment is ${admitted ? 'admitted' : 'refused'}${warned ? ' with a warning naming the check' : ''}`, async () => {
      const s = scenario();
      const c = host.addCluster(
        simulatedClusterOptions({ clock: realClock, ids: randomIds, images: [], internet: [] }),
      );
      try {
        const client = new KubeClient(
          kubeconfigYaml({ server: c.server, token: c.token, certificateAuthority: host.caCertificate }),
        );
        await applyAsLearner(client, exportPolicies(s.scenario, mode).objects as unknown as KubeObject[]);
        await applyAsLearner(
          client,
          s.setup.filter((o) => o.kind === 'Namespace'),
        );
        client.close();
        const reply = c.cluster.callApi(c.token, 'POST', '/apis/apps/v1/namespaces/monitoring/deployments', monitor());
        // A validation without `reason` refuses as Invalid (422), as upstream.
        expect(reply.status).toBe(admitted ? 201 : 422);
        const warnings = [reply.headers.warning ?? []].flat().join('\n');
        if (warned) expect(warnings).toContain('paranoid.root-container-escape.no-host-namespaces');
        else expect(warnings).not.toContain('paranoid.root-container-escape');
      } finally {
        host.removeCluster(c.id);
      }
    });
  }
});

describe('paranoid policies export', () => {
  const out = () => {
    const chunks = { stdout: '', stderr: '' };
    return {
      chunks,
      io: { stdout: (s: string) => (chunks.stdout += s), stderr: (s: string) => (chunks.stderr += s) },
    };
  };

  it('writes policies and bindings whose validationActions follow --mode', () => {
    for (const [mode, action] of [
      ['deny', 'Deny'],
      ['warn', 'Warn'],
      ['audit', 'Audit'],
    ] as const) {
      const { chunks, io } = out();
      expect(policiesExport('root-container-escape', { mode }, io)).toBe(0);
      const docs = chunks.stdout
        .split(/^---$/m)
        .map((d) => parse(d))
        .filter(Boolean);
      const bindings = docs.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding');
      const must = bindings.filter((b) => b.metadata.name.endsWith('.no-host-namespaces'));
      expect(must[0].spec.validationActions).toEqual([action]);
      expect(docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy').length).toBe(bindings.length);
    }
  });

  it("uses each check's failure as the policy message and lists what it skipped, with the reason", () => {
    const scenario = loaded.find((s) => s.scenario.id === 'root-container-escape')!;
    const result = exportPolicies(scenario.scenario, 'deny');
    const yaml = exportYaml('root-container-escape', 'deny', result);
    expect(yaml).toContain('#   namespace-enforces-policy: a dry-run probe replays behaviour');
    expect(yaml).toContain('#   node-monitor-ready: it judges status');
    expect(yaml).toContain('#   no-automounted-token: it reads other objects too (accounts: serviceaccounts)');
    const policy = result.objects.find(
      (o) => (o as KubeObject).metadata.name === 'paranoid.root-container-escape.not-privileged',
    ) as { spec: { validations: { message: string }[] } };
    const check = scenario.scenario.checks.find((c) => c.id === 'not-privileged')!;
    expect(policy.spec.validations[0]!.message).toBe(check.failure.trim());
  });

  it('refuses an unknown mode and an unknown scenario with exit code 2', () => {
    const a = out();
    expect(policiesExport('root-container-escape', { mode: 'block' }, a.io)).toBe(2);
    expect(a.chunks.stderr).toContain('--mode must be one of deny, warn, audit but found "block"');
    const b = out();
    expect(policiesExport('no-such-scenario', {}, b.io)).toBe(2);
    expect(b.chunks.stderr).toContain('no scenario "no-such-scenario"');
  });
});
