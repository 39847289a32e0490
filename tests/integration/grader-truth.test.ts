/**
 * The grader against a hostile learner who holds cluster-admin: every forgery that once
 * made a check pass while the hole stayed open, replayed with the real kubectl against a
 * full simulated cluster in this process, and graded as `paranoid check` grades it.
 * Each forgery must now leave the check failing (and the cluster telling the truth).
 */
import { join, resolve } from 'node:path';
import { applyAsLearner, provisionScenario, waitForSettled } from '@paranoid/catalog/apply.ts';
import { type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { type GradeResult, grade } from '@paranoid/grader/grade.ts';
import { createKubeApi, defaultInternet, KubeClient } from '@paranoid/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
const SLOW = 180_000;

interface Lab {
  sim: StartedSim;
  loaded: LoadedScenario;
  client: KubeClient;
  kubectl(...args: string[]): Promise<string>;
  grade(): Promise<GradeResult>;
  close(): Promise<void>;
}

/** A fresh cluster with the scenario's setup applied and at rest, and a grader pointed at it. */
async function lab(id: string): Promise<Lab> {
  const { scenario: loaded, problems } = loadScenario(join(SCENARIOS, id), SCENARIOS);
  if (!loaded) throw new Error(`failed to load scenario ${id}: ${JSON.stringify(problems)}`);
  const sim = await startSim({
    full: { images: loaded.imageDefinitions, internet: loaded.scenario.internet ?? [] },
  });
  const client = KubeClient.fromFile(sim.kubeconfigPath);
  expect(await provisionScenario(client, loaded.setup, { settleTimeoutMs: 60_000 })).toEqual([]);
  const kubectl = async (...args: string[]) => {
    const r = await sim.kubectl(args, { timeoutMs: 60_000 });
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  };
  return {
    sim,
    loaded,
    client,
    kubectl,
    grade: () => grade(loaded.scenario, createKubeApi(client, defaultInternet(client))),
    async close() {
      client.close();
      await sim.close();
    },
  };
}

const check = (result: GradeResult, id: string) => {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

/** Applies a change set the way validate does, and waits for the rollout. */
async function fix(l: Lab, manifests: LoadedScenario['setup']): Promise<void> {
  await applyAsLearner(l.client, manifests);
  expect(await waitForSettled(l.client, 60_000)).toEqual([]);
}

describe('root-container-escape: what a cluster-admin writes is not evidence', () => {
  let l: Lab;
  beforeAll(async () => {
    l = await lab('root-container-escape');
  }, SLOW);
  afterAll(async () => {
    await l?.close();
  });

  it(
    'a privileged hostPID pod whose phase is patched to Succeeded is Running again, and still fails the checks',
    async () => {
      // The learner keeps a way back in: a privileged pod with / mounted, created before the namespace
      // enforces anything (admission never evicts a running pod), then applies the reference fix.
      const backdoor = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'backdoor', namespace: 'monitoring' },
        spec: {
          hostPID: true,
          nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'shell',
              image: 'registry.lab.local/monitoring/node-monitor:0.9.1',
              securityContext: { privileged: true },
              volumeMounts: [{ name: 'host', mountPath: '/host' }],
            },
          ],
          volumes: [{ name: 'host', hostPath: { path: '/' } }],
        },
      };
      await applyAsLearner(l.client, [backdoor]);
      await l.kubectl('wait', '-n', 'monitoring', '--for=condition=Ready', 'pod/backdoor', '--timeout=60s');
      await fix(l, l.loaded.solution.manifests);

      await l.kubectl(
        'patch',
        'pod',
        'backdoor',
        '-n',
        'monitoring',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"phase":"Succeeded"}}',
      );
      // The kubelet owns the status and writes its own back, as upstream's status manager does.
      expect(await l.kubectl('get', 'pod', 'backdoor', '-n', 'monitoring', '-o', 'jsonpath={.status.phase}')).toBe(
        'Running',
      );
      // Written back once, then quiet: the kubelet does not fight its own writes.
      const rv = await l.kubectl(
        'get',
        'pod',
        'backdoor',
        '-n',
        'monitoring',
        '-o',
        'jsonpath={.metadata.resourceVersion}',
      );
      await new Promise((r) => setTimeout(r, 1000));
      expect(
        await l.kubectl('get', 'pod', 'backdoor', '-n', 'monitoring', '-o', 'jsonpath={.metadata.resourceVersion}'),
      ).toBe(rv);
      const result = await l.grade();
      expect(result.passed).toBe(false);
      expect(check(result, 'not-privileged').passed).toBe(false);
      expect(check(result, 'not-privileged').message).toContain('Pod monitoring/backdoor');
      expect(check(result, 'no-hostpath').passed).toBe(false);
      expect(check(result, 'no-workload-owns-the-node').message).toContain('Pod monitoring/backdoor is privileged');
      // And it really is a way in.
      expect(
        await l.kubectl('exec', '-n', 'monitoring', 'backdoor', '--', 'cat', '/host/etc/kubernetes/pki/ca.key'),
      ).toContain('PRIVATE KEY');
      await l.kubectl('delete', 'pod', 'backdoor', '-n', 'monitoring', '--wait=true', '--timeout=60s');
    },
    SLOW,
  );

  it(
    'a privileged pod in another namespace fails the cluster-wide check, in kube-system too',
    async () => {
      await fix(l, l.loaded.solution.manifests);
      const clean = await l.grade();
      expect(clean.passed, JSON.stringify(clean.checks.filter((c) => !c.passed))).toBe(true);
      for (const namespace of ['default', 'kube-system']) {
        await applyAsLearner(l.client, [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'node-shell', namespace },
            spec: {
              hostPID: true,
              containers: [
                {
                  name: 'shell',
                  image: 'registry.lab.local/monitoring/node-monitor:0.9.1',
                  securityContext: { privileged: true },
                },
              ],
            },
          },
        ]);
        const result = await l.grade();
        expect(result.passed).toBe(false);
        const wide = check(result, 'no-workload-owns-the-node');
        expect(wide.passed).toBe(false);
        expect(wide.message).toContain(`Pod ${namespace}/node-shell is privileged`);
        // Only this pod: kube-proxy, kindnet and the control plane are the cluster's own.
        expect(wide.message.slice(wide.message.indexOf('Found:'))).toBe(
          `Found: Pod ${namespace}/node-shell is privileged.`,
        );
        await l.kubectl('delete', 'pod', 'node-shell', '-n', namespace, '--wait=true', '--timeout=60s');
      }
    },
    SLOW,
  );

  it(
    'a ResourceQuota of one pod does not pass for a policy, and is not held against a real one',
    async () => {
      // The pod is fixed, but instead of a policy the namespace gets a quota that is already full.
      await l.kubectl('label', 'ns', 'monitoring', 'pod-security.kubernetes.io/enforce-');
      await applyAsLearner(l.client, [
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'one-pod', namespace: 'monitoring' },
          spec: { hard: { pods: '1' } },
        },
      ]);
      let result = await l.grade();
      const refuses = check(result, 'namespace-enforces-policy');
      expect(refuses.passed).toBe(false);
      expect(refuses.message).toContain('refused only by ResourceQuota (exceeded quota: one-pod)');
      expect(check(result, 'namespace-admits-compliant-pod').passed).toBe(true);

      // With restricted enforced as well, the same full quota costs nothing.
      await l.kubectl('label', 'ns', 'monitoring', 'pod-security.kubernetes.io/enforce=restricted');
      result = await l.grade();
      expect(result.passed, JSON.stringify(result.checks.filter((c) => !c.passed))).toBe(true);
      await l.kubectl('delete', 'resourcequota', 'one-pod', '-n', 'monitoring');
    },
    SLOW,
  );

  it(
    'a policy that refuses only pods carrying the probe label, or the probe names, does not count',
    async () => {
      await l.kubectl('label', 'ns', 'monitoring', 'pod-security.kubernetes.io/enforce-');
      const policy = (name: string, expression: string) => [
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicy',
          metadata: { name },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              resourceRules: [
                { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
              ],
            },
            validations: [{ expression, message: 'no' }],
          },
        },
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicyBinding',
          metadata: { name },
          spec: { policyName: name, validationActions: ['Deny'] },
        },
      ];
      for (const [name, expression] of [
        ['probe-label', "!(has(object.metadata.labels) && 'paranoid.dev/probe' in object.metadata.labels)"],
        ['probe-name', "!object.metadata.name.startsWith('paranoid-probe')"],
      ] as const) {
        await applyAsLearner(l.client, policy(name, expression));
        const result = await l.grade();
        const refuses = check(result, 'namespace-enforces-policy');
        expect(refuses.passed, name).toBe(false);
        expect(refuses.message).toMatch(
          /\(without its labels, under a random name\) was admitted|labels of node-monitor/,
        );
        await l.kubectl('delete', 'validatingadmissionpolicybinding', name);
        await l.kubectl('delete', 'validatingadmissionpolicy', name);
      }
      await l.kubectl('label', 'ns', 'monitoring', 'pod-security.kubernetes.io/enforce=restricted');
    },
    SLOW,
  );
});

describe('missing-networkpolicy: what the network really does, not what status says', () => {
  let l: Lab;
  beforeAll(async () => {
    l = await lab('missing-networkpolicy');
  }, SLOW);
  afterAll(async () => {
    await l?.close();
  });

  it(
    'a near miss with patched pod IPs still fails, and the IPs are the real ones again',
    async () => {
      const nearMiss = l.loaded.variants.find((v) => v.name === 'bad-any-namespace-to-db');
      if (!nearMiss) throw new Error('no variant bad-any-namespace-to-db');
      await fix(l, nearMiss.manifests);
      const ipOf = async (namespace: string, selector: string) =>
        (
          await l.kubectl('get', 'pods', '-n', namespace, '-l', selector, '-o', 'jsonpath={.items[0].status.podIP}')
        ).trim();
      const podOf = async (namespace: string, selector: string) =>
        (
          await l.kubectl('get', 'pods', '-n', namespace, '-l', selector, '-o', 'jsonpath={.items[0].metadata.name}')
        ).trim();
      const dbIP = await ipOf('shop', 'app=db');
      const intruderIP = (
        await l.kubectl('get', 'pod', 'intruder', '-n', 'sandbox', '-o', 'jsonpath={.status.podIP}')
      ).trim();
      // Move the database and the intruder to addresses nobody answers on.
      const forge = async (namespace: string, pod: string, ip: string) =>
        l.kubectl(
          'patch',
          'pod',
          pod,
          '-n',
          namespace,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status: { podIP: ip, podIPs: [{ ip }] } }),
        );
      await forge('shop', await podOf('shop', 'app=db'), '10.244.250.250');
      await forge('sandbox', 'intruder', '10.244.251.251');
      expect(await ipOf('shop', 'app=db')).toBe(dbIP);
      expect(
        (await l.kubectl('get', 'pod', 'intruder', '-n', 'sandbox', '-o', 'jsonpath={.status.podIP}')).trim(),
      ).toBe(intruderIP);
      const result = await l.grade();
      expect(result.passed).toBe(false);
      expect(check(result, 'intruder-cannot-reach-db').passed).toBe(false);
      expect(check(result, 'api-reaches-db').passed).toBe(true);
      // What the grader saw is what the intruder gets.
      expect(
        await l.kubectl(
          'exec',
          '-n',
          'sandbox',
          'intruder',
          '--',
          'redis-cli',
          '-h',
          'db.shop.svc.cluster.local',
          'GET',
          'flag',
        ),
      ).toContain('PARANOID{');
    },
    SLOW,
  );

  it(
    'a peer that trusts the label app=api from any namespace fails, and a pod so labelled elsewhere does reach db',
    async () => {
      const nearMiss = l.loaded.variants.find((v) => v.name === 'bad-api-label-from-any-namespace');
      if (!nearMiss) throw new Error('no variant bad-api-label-from-any-namespace');
      await fix(l, nearMiss.manifests);
      const result = await l.grade();
      expect(check(result, 'intruder-cannot-reach-db').passed).toBe(true);
      expect(check(result, 'db-and-api-only-from-shop').passed).toBe(false);
      await applyAsLearner(l.client, [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'fake-api', namespace: 'sandbox', labels: { app: 'api' } },
          spec: {
            // The redis image, for its redis-cli (upstream netshoot has none).
            containers: [{ name: 'c', image: 'docker.io/library/redis:7', command: ['sleep', 'infinity'] }],
          },
        },
      ]);
      await l.kubectl('wait', '-n', 'sandbox', '--for=condition=Ready', 'pod/fake-api', '--timeout=60s');
      expect(
        await l.kubectl(
          'exec',
          '-n',
          'sandbox',
          'fake-api',
          '--',
          'redis-cli',
          '-h',
          'db.shop.svc.cluster.local',
          'GET',
          'flag',
        ),
      ).toContain('PARANOID{');
      await l.kubectl('delete', 'pod', 'fake-api', '-n', 'sandbox', '--wait=true', '--timeout=60s');
    },
    SLOW,
  );

  it(
    'a forged Deployment status does not make a broken app count as ready',
    async () => {
      await l.kubectl('scale', 'deployment', 'api', '-n', 'shop', '--replicas=0');
      await l.kubectl(
        'patch',
        'deployment',
        'api',
        '-n',
        'shop',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"readyReplicas":1,"availableReplicas":1,"replicas":1}}',
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(await l.kubectl('get', 'deployment', 'api', '-n', 'shop', '-o', 'jsonpath={.status.readyReplicas}')).toBe(
        '',
      );
      const result = await l.grade();
      expect(check(result, 'frontend-reaches-api').passed).toBe(false);
      await l.kubectl('scale', 'deployment', 'api', '-n', 'shop', '--replicas=1');
    },
    SLOW,
  );
});
