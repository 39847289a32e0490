import { join } from 'node:path';
import { type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import type { ClusterOptions } from '@paranoid/sim/cluster.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';

/**
 * Full clusters (sim/assemble.ts) for the scenarios under `scenariosDir`: RBAC, admission,
 * controllers, the kubelet's runtime with the scenario's images, and its simulated internet,
 * as `sim` and `validate` give them, so the site grades exactly what they grade. Loaded inside
 * each simulator worker (sim-server/worker-pool.ts), since the options hold functions.
 */
export function createClusterOptions(scenariosDir: unknown): (scenarioId: string | undefined) => ClusterOptions {
  const dir = String(scenariosDir);
  // Scenario folders change only with a new checkout: read each one once.
  const scenarios = new Map<string, LoadedScenario | undefined>();
  const scenarioOf = (id: string) => {
    if (!scenarios.has(id)) scenarios.set(id, loadScenario(join(dir, id), dir).scenario);
    return scenarios.get(id);
  };
  return (scenarioId) => {
    const scenario = scenarioId ? scenarioOf(scenarioId) : undefined;
    return simulatedClusterOptions({
      clock: realClock,
      ids: randomIds,
      ...(scenario ? { images: scenario.imageDefinitions, internet: scenario.scenario.internet } : {}),
    });
  };
}
