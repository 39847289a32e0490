import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import type { ValidateProvider } from './validate-case.ts';
import { type SimHost, type SimHostOptions, type SimScenarioData, simHostFor } from './validate-sim-host.ts';

/**
 * The images a validate cluster starts with on its nodes: the scenario's own images (kind's
 * provider loads them onto its nodes too) and those its setup runs. What is judged is the
 * checks and the attack, not pull latency; a fix or variant that brings a new image still
 * pulls it, and an image the registry does not have still fails to pull.
 */
export function imagesToPreload(loaded: LoadedScenario): string[] {
  const refs = new Set<string>();
  for (const def of loaded.imageDefinitions) {
    for (const tag of def.tags ?? ['latest']) refs.add(`${def.repository}:${tag}`);
  }
  const visit = (value: unknown, inContainers: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, inContainers);
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (inContainers && key === 'image' && typeof child === 'string') refs.add(child);
        else visit(child, key === 'containers' || key === 'initContainers');
      }
    }
  };
  for (const object of loaded.setup) visit(object, false);
  return [...refs];
}

/**
 * The simulator as a validate provider in this thread: one HTTPS host whose clusters carry the
 * scenarios' images and internet hosts, each on its own clock (`simulated`: a discrete-event clock
 * that skips to what is waited for; `wall`: real time), and copies of each scenario's settled setup
 * (`settledSetup`). The cases still reach each cluster as learners do, through HTTPS and WebSocket exec.
 */
export async function simValidateProvider(
  scenarios: LoadedScenario[],
  options: { clock: SimHostOptions['clock']; concurrency: number },
): Promise<ValidateProvider & { provider: ClusterProvider; settledSetup: ClusterProvider; host: SimHost }> {
  const { SimProvider } = await import('@paranoid/providers/sim-provider.ts');
  const data: SimScenarioData[] = scenarios.map((s) => ({
    id: s.scenario.id,
    images: s.imageDefinitions,
    internet: s.scenario.internet,
    preload: imagesToPreload(s),
    setup: s.setup,
  }));
  const host = await simHostFor(data, { clock: options.clock });
  const provider = new SimProvider({
    // Every case wants a fresh cluster right away; clusters made ahead would only be thrown away.
    warmPool: false,
    host: {
      addCluster: ({ scenarioId }) => host.addCluster(scenarioId),
      removeCluster: (id) => host.removeCluster(id),
    },
  });
  const settledSetup = new SimProvider({
    warmPool: false,
    host: {
      addCluster: ({ scenarioId }) => {
        if (!scenarioId) throw new Error('failed to make a cluster: a settled setup needs a scenario');
        return host.addSettledCluster(scenarioId);
      },
      removeCluster: (id) => host.removeCluster(id),
    },
  });
  return {
    provider,
    settledSetup,
    // A cap, not a wait: most cases settle at once; a fix that runs a build Job settles only once
    // the build has pushed, its deploy step has run and the new pods are Ready.
    settleTimeoutMs: 15_000,
    concurrency: options.concurrency,
    clusterTime: (handle) => host.timeOf(handle.id),
    host,
    close: () => host.close(),
  };
}
