import { KubeClient } from '@paranoid/kube/client.ts';
import type { ExecStream } from '@paranoid/kube/exec-stream.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';

/**
 * What the Helm chart makes for terminal pods: the terminals namespace, enforcing Pod Security
 * `restricted`, and the runner's own namespace `paranoid`.
 */
export const CHART_NAMESPACES = `apiVersion: v1
kind: Namespace
metadata:
  name: paranoid-terminals
  labels: { pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: latest }
---
apiVersion: v1
kind: Namespace
metadata: { name: paranoid }
`;

/** A simulated cluster served over HTTPS in this process, standing in for a real cluster a provider runs on. */
export interface SimHostCluster {
  readonly host: SimHost;
  /** An admin kubeconfig for the cluster, trusting the host's CA. */
  readonly kubeconfig: string;
  /** A client with that kubeconfig. */
  readonly admin: KubeClient;
  /** Closes the client and the host. */
  close(): Promise<void>;
}

/**
 * Starts the simulator host with one full cluster on real time: the cluster a provider that
 * runs on Kubernetes (namespaces, terminal pods) is given as its host. The simulator enforces
 * RBAC, admission, quota and NetworkPolicy there, so what a test sees refused is the host's word.
 */
export async function startSimHostCluster(opts: { context?: string } = {}): Promise<SimHostCluster> {
  const host = await createSimHost({ port: 0 });
  const cluster = host.addCluster(simulatedClusterOptions({ clock: realClock, ids: randomIds }));
  const kubeconfig = kubeconfigYaml({
    server: cluster.server,
    token: cluster.token,
    certificateAuthority: host.caCertificate,
    ...(opts.context ? { context: opts.context } : {}),
  });
  const admin = new KubeClient(kubeconfig);
  return {
    host,
    kubeconfig,
    admin,
    async close() {
      admin.close();
      await host.close();
    },
  };
}

/**
 * Types `line` in a new login shell (`open` starts it) followed by an echo of its exit status,
 * waits for that (at most 15 s), leaves the shell, and returns everything it printed.
 */
export async function typeInShell(open: () => Promise<ExecStream>, line: string): Promise<string> {
  const shell = await open();
  let out = '';
  shell.stream.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  shell.stream.write(`${line}; echo "__done $?"\n`);
  const deadline = Date.now() + 15_000;
  while (!/__done \d+\r?\n/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  shell.stream.end('exit\n');
  return out;
}
