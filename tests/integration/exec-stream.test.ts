/**
 * `@paranoid/kube/exec-stream.ts` against a simulated cluster over HTTPS: the stream a terminal
 * pod's shell goes through (the namespace provider and `serve --terminals pod`).
 */

import { KubeClient } from '@paranoid/kube/client.ts';
import { openExecStream } from '@paranoid/kube/exec-stream.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A shell in a pod of a simulated cluster, over the exec WebSocket as a terminal streams it. */
let host: SimHost;
let client: KubeClient;

beforeAll(async () => {
  host = await createSimHost({ port: 0 });
  const c = host.addCluster(simulatedClusterOptions({ clock: realClock, ids: randomIds }));
  client = new KubeClient(
    kubeconfigYaml({ server: c.server, token: c.token, certificateAuthority: host.caCertificate }),
  );
  await client.send('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'shell', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
  });
  for (let i = 0; i < 100; i++) {
    const p = (await client.send('GET', '/api/v1/namespaces/default/pods/shell')) as { status?: { phase?: string } };
    if (p.status?.phase === 'Running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  client?.close();
  await host?.close();
});

async function session(protocols?: string[]) {
  const shell = await openExecStream(client, {
    namespace: 'default',
    pod: 'shell',
    command: ['sh'],
    size: { cols: 132, rows: 40 },
    ...(protocols ? { protocols } : {}),
  });
  let out = '';
  shell.stream.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const waitFor = async (pattern: RegExp) => {
    const until = Date.now() + 10_000;
    while (!pattern.test(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    expect(out).toMatch(pattern);
  };
  return { shell, waitFor };
}

describe('an interactive exec stream', () => {
  it('speaks v5 by choice: input, output and the exit code', async () => {
    const { shell, waitFor } = await session();
    expect(shell.protocol).toBe('v5.channel.k8s.io');
    shell.stream.write('echo "sum $((40+2))"\n');
    await waitFor(/sum 42/);
    shell.stream.write('exit 3\n');
    expect(await shell.exitCode()).toBe(3);
  });

  it('falls back to v4 with a server that offers only it, and still ends with the exit code', async () => {
    const { shell, waitFor } = await session(['v4.channel.k8s.io']);
    expect(shell.protocol).toBe('v4.channel.k8s.io');
    shell.stream.write('echo "v4 $((6*7))"\n');
    await waitFor(/v4 42/);
    shell.stream.write('exit 0\n');
    expect(await shell.exitCode()).toBe(0);
  });

  it("rejects with the server's own message when the pod is not there", async () => {
    await expect(
      openExecStream(client, { namespace: 'default', pod: 'nope', command: ['sh'], size: { cols: 80, rows: 24 } }),
    ).rejects.toThrow('failed to exec in default/nope: pods "nope" not found');
  });
});
