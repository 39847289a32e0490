import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, it, vi } from 'vitest';
import { grade, runAttacks } from './grade.ts';
import { simClustersForFile } from './testing/sim-cluster.ts';
import { testScenario } from './testing/test-scenario.ts';

const anonymousOff = {
  id: 'anonymous-off',
  title: 'Anonymous requests off',
  failure: 'A kubelet allows anonymous requests.',
  object: {
    resource: 'kubeletconfigs',
    min: 1,
    rule: 'object.authentication.anonymous.enabled == false',
    describe: "'node ' + object.metadata.name",
  },
};

const OPEN = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
authorization:
  mode: AlwaysAllow
`;

/** A privileged pod on `node` that writes `config` as the kubelet's file (base64, no quoting trouble), restarts the kubelet, and sleeps. */
function reconfigure(node: string, config: string, restart = true): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `reconfigure-${node}`, namespace: 'default' },
    spec: {
      nodeName: node,
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [
        {
          name: 'c',
          image: 'nicolaka/netshoot',
          command: [
            'sh',
            '-c',
            `echo ${btoa(config)} | base64 -d > /host/var/lib/kubelet/config.yaml${restart ? ' && chroot /host systemctl restart kubelet' : ''}; sleep infinity`,
          ],
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
    },
  };
}

const shell = (name: string, node: string, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { app: name } },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }] },
});

const sim = simClustersForFile();
vi.setConfig({ testTimeout: 20_000 });

describe.concurrent('kubeletconfigs', () => {
  it("passes on kind's defaults, judging every node", async ({ expect }) => {
    const c = sim.cluster();
    const result = await grade(testScenario([anonymousOff]), c.api());
    expect(result.checks[0]).toMatchObject({ passed: true });
  });

  it('fails on the node whose kubelet restarted with anonymous on, and only there', async ({ expect }) => {
    const c = sim.cluster();
    await c.apply([reconfigure('paranoid-worker2', OPEN)]);
    await expect
      .poll(async () => (await grade(testScenario([anonymousOff]), c.api())).checks[0]!.message, { timeout: 10_000 })
      .toBe('A kubelet allows anonymous requests. Found: node paranoid-worker2.');
  });

  it('is not fooled by an edited file: the kubelet runs what it read when it started', async ({ expect }) => {
    const c = sim.cluster();
    await c.apply([reconfigure('paranoid-worker', OPEN), reconfigure('paranoid-worker2', OPEN, false)]);
    await expect
      .poll(async () => (await grade(testScenario([anonymousOff]), c.api())).checks[0]!.message, { timeout: 10_000 })
      .toBe('A kubelet allows anonymous requests. Found: node paranoid-worker.');
  });

  it('fails a node whose kubelet does not answer, with the reason', async ({ expect }) => {
    const c = sim.cluster();
    await c.apply([reconfigure('paranoid-worker', 'kind: Nonsense\n')]);
    await expect
      .poll(async () => (await grade(testScenario([anonymousOff]), c.api())).checks[0]!.message, { timeout: 10_000 })
      .toMatch(
        /^A kubelet allows anonymous requests\. Found: KubeletConfiguration paranoid-worker: failed to read the kubelet configuration of node paranoid-worker: .*connection refused/,
      );
  });
});

describe.concurrent('probes on node addresses', () => {
  it("puts the pod's own node address where an exec probe says {{hostIP}}", async ({ expect }) => {
    const c = sim.cluster();
    await c.apply([shell('attacker', 'paranoid-worker')]);
    const attack = {
      id: 'kubelet',
      title: 'the kubelet answers',
      probe: {
        kind: 'exec',
        pod: { namespace: 'default', name: 'attacker' },
        command: ['sh', '-c', 'echo {{hostIP}}; curl -sk https://{{hostIP}}:10250/pods'],
        succeedsWhen: { stdoutContains: 'Unauthorized' },
      },
    };
    await expect
      .poll(async () => (await runAttacks(testScenario([anonymousOff], [attack]), c.api()))[0]!.succeeded, {
        timeout: 10_000,
      })
      .toBe(true);
  });

  it('reaches every other node with `nodes: others`, and default-deny egress stops exactly those', async ({
    expect,
  }) => {
    const c = sim.cluster();
    const reach = {
      id: 'reach',
      title: 'reaches other kubelets',
      failure: 'A pod reaches another node.',
      probe: {
        kind: 'reachability',
        from: { namespace: 'default', name: 'attacker' },
        to: { nodes: 'others', port: 10250 },
      },
      expect: 'fail',
    };
    await c.apply([shell('attacker', 'paranoid-worker')]);
    await expect
      .poll(async () => (await grade(testScenario([reach]), c.api())).checks[0]!.message, { timeout: 10_000 })
      .toMatch(/can connect to 172\.18\.0\.\d:10250; pod default\/attacker can connect to 172\.18\.0\.\d:10250\.$/);
    await c.apply([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny-egress', namespace: 'default' },
        spec: { podSelector: {}, policyTypes: ['Egress'] },
      },
    ]);
    const after = await grade(testScenario([reach]), c.api());
    expect(after.checks[0]).toMatchObject({ passed: true });
  });
});
