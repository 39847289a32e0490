import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { provisionScenario } from '@paranoid/catalog/apply.ts';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { grade } from '@paranoid/grader/grade.ts';
import { createKubeApi, KubeClient } from '@paranoid/kube/client.ts';
import { simKubeconfig } from '@paranoid/providers/sim-provider.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import { createSimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import type { Figure } from './main.ts';

const root = fileURLToPath(new URL('../../scenarios', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Grading each seed scenario's setup on a full simulated cluster through the real
 * API (HTTPS, WebSocket exec: every check and probe). `paranoid validate` of all
 * of them is `validate.bench.ts`.
 */
export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const scenarios = lintAll(root).scenarios.flatMap((s) => (s.loaded ? [s.loaded] : []));
  const host = await createSimHost({ host: '127.0.0.1', port: 0 });
  try {
    for (const loaded of scenarios) {
      const cluster = host.addCluster(
        simulatedClusterOptions({
          clock: realClock,
          ids: randomIds,
          images: loaded.imageDefinitions,
          internet: loaded.scenario.internet,
        }),
      );
      const client = new KubeClient(
        simKubeconfig('bench', {
          id: cluster.id,
          server: cluster.server,
          token: cluster.token,
          certificateAuthority: host.caCertificate,
        }),
      );
      await provisionScenario(client, loaded.setup, { settleTimeoutMs: 10_000 });
      const api = createKubeApi(client);
      await grade(loaded.scenario, api);
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await grade(loaded.scenario, api);
        times.push(performance.now() - started);
      }
      figures.push({
        name: `grade ${loaded.scenario.id} on the simulator (median of 7)`,
        value: median(times),
        unit: 'ms',
        goal: '< 150 ms',
      });
      client.close();
      host.removeCluster(cluster.id);
    }
  } finally {
    await host.close();
  }

  return figures;
}
