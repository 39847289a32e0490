/**
 * `paranoid serve` as it runs inside a Kubernetes cluster, with a simulated cluster in this
 * process standing in for that cluster: a temporary folder, the host's admin kubeconfig
 * written there for the lab, and the lab listening on a loopback port. Tests of the
 * providers that run on a host cluster (namespaces, terminal pods) share it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import { type SimHostCluster, startSimHostCluster } from '@paranoid/providers/testing/sim-host-cluster.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';

/** The lab, its host cluster and its folder; `close` stops both and removes the folder. */
export interface LabOnSimHost {
  /** The temporary folder (data, scenarios, the host kubeconfig). */
  readonly dir: string;
  readonly host: SimHostCluster;
  readonly lab: LabServer;
  /** The lab's URL on loopback. */
  readonly base: string;
  close(): Promise<void>;
}

/**
 * Starts the host cluster, lets `prepare` make what must exist before the lab starts (the
 * chart's namespaces, scenario folders), then starts the lab with `serve`'s options, given the
 * folder and the path of the host's kubeconfig.
 */
export async function startLabOnSimHost(opts: {
  /** Names the temporary folder. */
  name: string;
  /** The kubeconfig's context name (default: the kubeconfig writer's). */
  context?: string;
  prepare?: (host: SimHostCluster, dir: string) => Promise<void> | void;
  serve: (paths: { dir: string; hostKubeconfig: string }) => Parameters<typeof createServeLab>[0];
}): Promise<LabOnSimHost> {
  const dir = mkdtempSync(join(tmpdir(), `paranoid-${opts.name}-`));
  let host: SimHostCluster | undefined;
  let lab: LabServer | undefined;
  const close = async () => {
    await lab?.close();
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    host = await startSimHostCluster(opts.context ? { context: opts.context } : {});
    const hostKubeconfig = join(dir, 'host-kubeconfig');
    writeFileSync(hostKubeconfig, host.kubeconfig, { mode: 0o600 });
    await opts.prepare?.(host, dir);
    lab = await createServeLab(opts.serve({ dir, hostKubeconfig }));
    const base = (await lab.listen(0, '127.0.0.1')).url;
    return { dir, host, lab, base, close };
  } catch (error) {
    await close();
    throw error;
  }
}
