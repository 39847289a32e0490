import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionScenario } from '@paranoid/catalog/apply.ts';
import { type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml, writeKubeconfig } from '@paranoid/kube/kubeconfig.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import type { ClusterOptions } from '@paranoid/sim/cluster.ts';
import { createSimHost, type HostedCluster, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';

/** Flags of `paranoid sim`: which scenario to set up in the simulated cluster and where to serve it. */
export interface SimCommandOptions {
  scenario?: string;
  port: string;
  host?: string;
  kubeconfig: string;
  /** The scenarios folder; default the repository's `scenarios/`. */
  scenarios?: string;
}

const SCENARIOS = fileURLToPath(new URL('../../../../scenarios', import.meta.url));

/** How long `paranoid sim --scenario` waits for the setup's workloads to roll out before it says ready. */
const SETTLE_MS = 10_000;

/**
 * Reads a scenario folder, naming every problem the loader found: `paranoid sim` refuses
 * a scenario it cannot load rather than starting half of it.
 */
export function readScenario(root: string, id: string): LoadedScenario {
  if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`failed to load scenario ${id}: ids match ^[a-z0-9-]+$`);
  const { scenario, problems } = loadScenario(join(root, id), root);
  if (!scenario || problems.length > 0) {
    const list = problems.map(
      (p) => `${p.file}${p.field ? ` ${p.field}` : ''}: expected ${p.expected}, found ${p.found}`,
    );
    throw new Error(`failed to load scenario ${id}: ${list.join('; ') || 'no such scenario'}`);
  }
  return scenario;
}

/**
 * The cluster `paranoid sim` serves: the full kind-like cluster (nodes, kube-system
 * pods, RBAC, admission, controllers, runtime, network), with a scenario's images and
 * simulated internet when one is given.
 */
export function simClusterOptions(scenario?: LoadedScenario): ClusterOptions {
  return simulatedClusterOptions({
    clock: realClock,
    ids: randomIds,
    ...(scenario ? { images: scenario.imageDefinitions, internet: scenario.scenario.internet } : {}),
  });
}

/** Applies a scenario's setup through the API, as any client would, and waits for it to roll out. */
export async function applyScenarioSetup(host: SimHost, cluster: HostedCluster, scenario: LoadedScenario) {
  const client = new KubeClient(
    kubeconfigYaml({ server: cluster.server, token: cluster.token, certificateAuthority: host.caCertificate }),
  );
  try {
    return await provisionScenario(client, scenario.setup, { settleTimeoutMs: SETTLE_MS });
  } finally {
    client.close();
  }
}

/** `paranoid sim`: one simulated cluster in the foreground, with a kubeconfig for kubectl. */
export async function sim(options: SimCommandOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid --port ${JSON.stringify(options.port)}: expected a number from 0 to 65535`);
  }
  const scenario = options.scenario ? readScenario(options.scenarios ?? SCENARIOS, options.scenario) : undefined;
  const host = await createSimHost({ host: options.host ?? '127.0.0.1', port });
  const file = resolve(options.kubeconfig);
  let cluster: HostedCluster;
  try {
    cluster = host.addCluster(simClusterOptions(scenario));
    if (scenario) {
      const moving = await applyScenarioSetup(host, cluster, scenario);
      if (moving.length > 0) process.stdout.write(`paranoid sim: still rolling out: ${moving.join(', ')}\n`);
    }
    writeKubeconfig(file, { server: cluster.server, token: cluster.token, certificateAuthority: host.caCertificate });
  } catch (error) {
    await host.close();
    throw error;
  }
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    process.stdout.write('paranoid sim: stopping\n');
    await host.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(
    `paranoid sim: cluster ready at ${cluster.server}${scenario ? ` (scenario ${scenario.scenario.id})` : ''}\n` +
      `  export KUBECONFIG=${file}\n`,
  );
}
