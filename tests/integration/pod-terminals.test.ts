/**
 * `paranoid serve --provider sim --terminals pod` as the chart runs it in Kubernetes, with a
 * simulated cluster acting as the cluster the runner runs in: each session's shell is a
 * toolbox pod in the terminals namespace (Pod Security restricted, enforced by the host
 * simulator), streamed through the host's exec API over the real terminal WebSocket; the pod's
 * kubeconfig opens its own session's cluster through the runner's gateway, and no other;
 * ending the session deletes the pod and its Secret.
 *
 * The simulated host's pods cannot dial a real port on this machine, so `kubectl get pods`
 * runs here with the kubeconfig the pod holds (the bundled kubectl v1.32.3, against the
 * gateway), and in the pod the test proves the stream and what the pod holds.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeClient } from '@paranoid/kube/client.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { CHART_NAMESPACES } from '@paranoid/providers/testing/sim-host-cluster.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabOnSimHost, startLabOnSimHost } from '../support/lab-on-sim-host.ts';
import { connectTerminal } from '../support/lab-terminal.ts';

const run = promisify(execFile);

let env: LabOnSimHost;
let admin: KubeClient;
let lab: LabServer;
let base: string;
let dir: string;

beforeAll(async () => {
  env = await startLabOnSimHost({
    name: 'pod-terminals',
    // What the chart makes: the terminals namespace, enforcing restricted, and the runner's.
    prepare: async (host) => {
      for (const o of parseManifests(CHART_NAMESPACES) as unknown as KubeObject[]) {
        await host.admin.send('POST', '/api/v1/namespaces', o);
      }
    },
    serve: ({ dir, hostKubeconfig }) => ({
      provider: 'sim',
      database: ':memory:',
      dataDir: join(dir, 'data'),
      terminals: 'pod',
      hostKubeconfig,
      terminalImage: 'nicolaka/netshoot:v0.13',
      // Pods would reach the gateway by its Service; here the test plays the pod, on this machine.
      gatewayUrl: 'https://gateway.invalid:7443',
      gatewayPort: '0',
      runnerNamespace: 'paranoid',
      runnerSelector: 'app.kubernetes.io/name=paranoid,app.kubernetes.io/instance=lab',
    }),
  });
  ({ lab, base, dir } = env);
  admin = env.host.admin;
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function start(): Promise<{ id: string; token: string }> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'paranoid_learner=learner0000000001' },
    body: JSON.stringify({ scenarioId: 'missing-networkpolicy' }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { session: { id: string }; token: string };
  return { id: body.session.id, token: body.token };
}

/** The kubeconfig the session's pod holds, pointed at this runner as the test reaches it. */
async function podKubeconfig(sessionId: string): Promise<string> {
  const secret = (await admin.send('GET', `/api/v1/namespaces/paranoid-terminals/secrets/term-${sessionId}`)) as {
    data: { config: string };
  };
  const port = (lab as LabServer & { gatewayPort?: number }).gatewayPort;
  return Buffer.from(secret.data.config, 'base64')
    .toString('utf8')
    .replace('https://gateway.invalid:7443', `https://127.0.0.1:${port}`);
}

async function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const file = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, kubeconfig, { mode: 0o600 });
  try {
    const { stdout, stderr } = await run(process.env.PARANOID_KUBECTL!, ['--kubeconfig', file, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

describe('serve --terminals pod on a simulated cluster', () => {
  it("gives each session a restricted terminal pod, streams its shell, and lets its kubeconfig open only its own session's cluster", async () => {
    const a = await start();
    const b = await start();
    const pod = (await admin.send('GET', `/api/v1/namespaces/paranoid-terminals/pods/term-${a.id}`)) as {
      status: { phase: string };
      spec: { automountServiceAccountToken: boolean };
    };
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    const policy = (await admin.send(
      'GET',
      '/apis/networking.k8s.io/v1/namespaces/paranoid-terminals/networkpolicies/paranoid-terminals',
    )) as { spec: { egress: { ports: { port: number }[] }[] } };
    // Terminal pods reach the runner pods on the gateway's port only (here 7443, the default).
    expect(policy.spec.egress[0]?.ports).toEqual([{ protocol: 'TCP', port: 7443 }]);

    // The learner's terminal: the site's WebSocket, an exec into the pod through the host's API.
    const term = connectTerminal(base, a.id, a.token);
    await term.opened;
    term.type('echo "uid $(id -u)"; grep server: "$KUBECONFIG"\r');
    const output = await term.waitFor(/uid \d+\r\n[\s\S]*server: \S+/);
    expect(output).toContain('uid 1000');
    expect(output).toContain(`server: https://gateway.invalid:7443/kube/${a.id}`);
    term.ws.close();

    // kubectl with the pod's kubeconfig sees session A's cluster (its scenario's pods)...
    const mine = await kubectl(await podKubeconfig(a.id), 'get', 'pods', '-n', 'shop');
    expect(mine.code, mine.out).toBe(0);
    expect(mine.out).toMatch(/frontend-\S+\s+1\/1\s+Running/);
    // ...and with A's token aimed at B's session, nothing.
    const stolen = (await podKubeconfig(a.id)).replace(`/kube/${a.id}`, `/kube/${b.id}`);
    const refused = await kubectl(stolen, 'get', 'pods', '-n', 'shop');
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      'error: You must be logged in to the server (the server has asked for the client to provide credentials)',
    );

    // Ending a session deletes its pod and the Secret with its kubeconfig, and its token stops working.
    const kubeconfigOfB = await podKubeconfig(b.id);
    const ended = await fetch(`${base}/api/sessions/${b.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${b.token}`, cookie: 'paranoid_learner=learner0000000001' },
    });
    expect(ended.status).toBe(204);
    expect((await admin.raw('GET', `/api/v1/namespaces/paranoid-terminals/pods/term-${b.id}`)).status).toBe(404);
    expect((await admin.raw('GET', `/api/v1/namespaces/paranoid-terminals/secrets/term-${b.id}`)).status).toBe(404);
    expect((await kubectl(kubeconfigOfB, 'get', 'pods')).out).toContain('error: You must be logged in to the server');
  }, 120_000);
});
