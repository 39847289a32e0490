import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import { KindProvider, type ScenarioNeeds } from './kind-provider.ts';
import { scenarioImageBuilds, scenarioUpstreamImages } from './scenario-images.ts';

/** The repository's kind cluster config (infra/kind/cluster.yaml), to which each scenario adds its port mappings. */
export const BASE_KIND_CONFIG = fileURLToPath(new URL('../../../../infra/kind/cluster.yaml', import.meta.url));

/**
 * What a scenario needs from its kind cluster: the NodePorts its setup publishes
 * (mapped to loopback for "from the internet" probes) and its images, built from
 * their Dockerfiles so nothing is pulled from a public registry.
 */
export function scenarioNeeds(loaded: LoadedScenario | undefined): ScenarioNeeds {
  if (!loaded) return { nodePorts: [], images: [], upstream: [] };
  const nodePorts = loaded.setup.flatMap((o) =>
    o.kind === 'Service'
      ? ((o.spec as { ports?: { nodePort?: number }[] } | undefined)?.ports ?? []).flatMap((p) =>
          p.nodePort ? [p.nodePort] : [],
        )
      : [],
  );
  return { nodePorts, images: scenarioImageBuilds(loaded.dir), upstream: scenarioUpstreamImages(loaded.dir) };
}

/** A kind provider for these scenarios, from the base config in infra/kind. */
export function kindProviderFor(
  scenarios: LoadedScenario[],
  options: { ttlMs: number; warmPool?: number; maxClusters?: number; onPoolError?: (error: unknown) => void },
): KindProvider {
  const byId = new Map(scenarios.map((s) => [s.scenario.id, s]));
  const allNodePorts = [...new Set(scenarios.flatMap((s) => scenarioNeeds(s).nodePorts))].sort((a, b) => a - b);
  return new KindProvider({
    baseConfig: readFileSync(BASE_KIND_CONFIG, 'utf8'),
    scenarioNeeds: (id) => scenarioNeeds(byId.get(id)),
    allNodePorts,
    ...options,
  });
}
