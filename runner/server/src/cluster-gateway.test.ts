import { createServer, type Server } from 'node:http';
import { KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterGateway } from './cluster-gateway.ts';
import { sameToken } from './tokens.ts';

/** Two sessions' simulated clusters behind one gateway, as a runner serving terminal pods holds them. */
let host: SimHost;
let server: Server;
let base: string;
const clusters: Record<string, KubeClient> = {};
const tokens: Record<string, string> = { s1: 'token-of-s1-0123456789', s2: 'token-of-s2-0123456789' };

beforeAll(async () => {
  host = await createSimHost({ port: 0 });
  for (const id of ['s1', 's2']) {
    const c = host.addCluster(simulatedClusterOptions({ clock: realClock, ids: randomIds }));
    clusters[id] = new KubeClient(
      kubeconfigYaml({ server: c.server, token: c.token, certificateAuthority: host.caCertificate }),
    );
  }
  const pod = parseManifests(`
apiVersion: v1
kind: Pod
metadata: { name: only-in-s1, namespace: default }
spec: { containers: [{ name: c, image: busybox, command: [sleep, "3600"] }] }
`)[0];
  await clusters.s1!.send('POST', '/api/v1/namespaces/default/pods', pod);
  for (let i = 0; i < 100; i++) {
    const p = (await clusters.s1!.send('GET', '/api/v1/namespaces/default/pods/only-in-s1')) as {
      status?: { phase?: string };
    };
    if (p.status?.phase === 'Running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const gateway = createClusterGateway({
    resolve: (session, token) => {
      const expected = tokens[session];
      return expected && sameToken(token, expected) ? clusters[session] : undefined;
    },
  });
  server = createServer((req, res) => {
    if (!gateway.handle(req, res)) res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.upgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  for (const c of Object.values(clusters)) c.close();
  await host?.close();
});

const as = (session: string, token: string) =>
  new KubeClient(kubeconfigYaml({ server: `${base}/kube/${session}`, token }));

describe("the runner's gateway to a session's cluster", () => {
  it("answers with the session's cluster to its own token", async () => {
    const s1 = as('s1', tokens.s1!);
    const pods = (await s1.send('GET', '/api/v1/namespaces/default/pods')) as {
      items: { metadata: { name: string } }[];
    };
    expect(pods.items.map((p) => p.metadata.name)).toEqual(['only-in-s1']);
    const s2 = as('s2', tokens.s2!);
    expect(((await s2.send('GET', '/api/v1/namespaces/default/pods')) as { items: unknown[] }).items).toEqual([]);
    s1.close();
    s2.close();
  });

  it("refuses another session's token, a wrong one and none, with a Status kubectl prints", async () => {
    for (const [session, token] of [
      ['s2', tokens.s1!],
      ['s1', 'guess'],
      ['s1', ''],
      ['s3', tokens.s1!],
    ] as const) {
      const client = as(session, token);
      const r = await client.raw('GET', '/api/v1/namespaces/default/pods');
      expect({ session, status: r.status, body: r.body }).toEqual({
        session,
        status: 401,
        body: expect.objectContaining({ kind: 'Status', reason: 'Unauthorized', code: 401 }),
      });
      client.close();
    }
  });

  it('carries exec over its WebSocket, and refuses the upgrade to a wrong token', async () => {
    const s1 = as('s1', tokens.s1!);
    const out = await s1.exec({
      namespace: 'default',
      pod: 'only-in-s1',
      command: ['echo', 'through the gateway'],
      timeoutMs: 10_000,
    });
    expect(out).toEqual({ stdout: 'through the gateway\n', stderr: '', exitCode: 0 });
    const wrong = as('s1', tokens.s2!);
    await expect(
      wrong.exec({ namespace: 'default', pod: 'only-in-s1', command: ['true'], timeoutMs: 10_000 }),
    ).rejects.toThrow('failed to exec in default/only-in-s1: Unauthorized');
    s1.close();
    wrong.close();
  });
});
