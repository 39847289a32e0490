import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Scenario } from '@paranoid/schema/scenario.ts';
import { describe, expect, it } from 'vitest';
import { createGuises, refusedOnlyByQuota } from './dry-run-guises.ts';
import { grade } from './grade.ts';
import { simClustersForFile } from './testing/sim-cluster.ts';
import { testScenario } from './testing/test-scenario.ts';

// The dry runs go to a real simulated cluster in this process: its admission chain answers them.
const sim = simClustersForFile();

const app: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } };

const probePod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'paranoid-probe-privileged',
    namespace: 'app',
    labels: { 'paranoid.dev/probe': 'true', tier: 'probe' },
    annotations: { 'paranoid.dev/why': 'probe' },
  },
  spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] },
};

const running = (name: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'app', labels },
  spec: { containers: [{ name: 'c', image: 'x' }] },
  status: { phase: 'Running' },
});

function scenario(expect: 'fail' | 'succeed'): Scenario {
  return testScenario([
    {
      id: 'refuses',
      title: 'app refuses a privileged pod',
      failure: 'A privileged pod is admitted in app.',
      probe: { kind: 'dry-run', create: probePod },
      expect,
    },
  ]);
}

describe('dry-run guises', () => {
  it('sends the object as written, unlabelled under a random name, and dressed as the namespace’s workload', () => {
    const guises = createGuises(probePod, [
      running('web-6d4cf56db6-x2k9q', { app: 'web', 'pod-template-hash': '6d4cf56db6' }),
      running('other', { 'paranoid.dev/probe': 'true' }),
    ]);
    expect(guises.map((g) => g.label)).toEqual([
      'as written',
      'without its labels, under a random name',
      "with the labels of web-6d4cf56db6's pods",
    ]);
    expect(guises[0]!.object).toBe(probePod);
    const [, plain, dressed] = guises;
    expect(plain!.object.metadata.name).toMatch(/^pod-[a-z0-9]{10}-[a-z0-9]{5}$/);
    expect(plain!.object.metadata.labels).toEqual({ tier: 'probe' });
    expect(plain!.object.metadata.annotations).toBeUndefined();
    expect(dressed!.object.metadata.name).toMatch(/^web-6d4cf56db6-[a-z0-9]{5}$/);
    expect(dressed!.object.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': '6d4cf56db6' });
    // The spec under test is the same in every guise.
    for (const g of guises) expect(g.object.spec).toEqual(probePod.spec);
    // Two runs do not reuse a name a policy could list.
    expect(createGuises(probePod, [])[1]!.object.metadata.name).not.toBe(plain!.object.metadata.name);
  });

  it('knows a refusal by ResourceQuota from a policy that borrows its words', () => {
    expect(
      refusedOnlyByQuota({
        admitted: false,
        code: 403,
        message: 'pods "p" is forbidden: exceeded quota: one-pod, requested: pods=1, used: pods=1, limited: pods=1',
      }),
    ).toBe('exceeded quota: one-pod');
    expect(
      refusedOnlyByQuota({
        admitted: false,
        code: 403,
        message: 'pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: c',
      }),
    ).toBe('failed quota: compute');
    expect(
      refusedOnlyByQuota({
        admitted: false,
        code: 403,
        message:
          "pods \"p\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: exceeded quota: x",
      }),
    ).toBeUndefined();
    expect(refusedOnlyByQuota({ admitted: true })).toBeUndefined();
  });

  it('does not count a policy that refuses only pods carrying the probe’s label', async () => {
    const c = sim.cluster();
    await c.apply([
      app,
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'no-probes' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          },
          validations: [
            {
              expression: "!has(object.metadata.labels) || !('paranoid.dev/probe' in object.metadata.labels)",
              message: 'no probes',
            },
          ],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: 'no-probes' },
        spec: {
          policyName: 'no-probes',
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } } },
        },
      },
    ]);
    const api = c.api();
    // The policy does bite on the probe as written.
    expect(await api.dryRunCreate(probePod)).toMatchObject({
      admitted: false,
      message: expect.stringContaining('no probes'),
    });
    const result = await grade(scenario('fail'), api);
    expect(result.passed).toBe(false);
    expect(result.checks[0]!.message).toMatch(
      /^A privileged pod is admitted in app\. Found: a dry-run create of Pod app\/pod-\w+-\w+ \(without its labels, under a random name\) was admitted\.$/,
    );
  });

  it('counts a refusal by a full quota as admitted, for and against', async () => {
    const c = sim.cluster();
    await c.apply([
      app,
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'one-pod', namespace: 'app' },
        spec: { hard: { pods: '1' } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'app', labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    ]);
    const api = c.api();
    const refuses = await grade(scenario('fail'), api);
    expect(refuses.passed).toBe(false);
    expect(refuses.checks[0]!.message).toContain(
      'passed every admission policy and was refused only by ResourceQuota (exceeded quota: one-pod)',
    );
    expect((await grade(scenario('succeed'), api)).passed).toBe(true);
  });
});
