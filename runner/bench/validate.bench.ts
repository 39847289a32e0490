/**
 * `paranoid validate` over every scenario on the simulator (issue #14: under 30 s on a 2-core
 * machine): wall time, the CPU time of every thread, each scenario's cases and the time its case
 * runs took between them, with cases in as many worker threads as the machine has cores, as the
 * command runs by default. The load average is printed too: on a shared machine the wall time
 * means little without it.
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { defaultProviderFactory, validateScenarios } from '@paranoid/cli/commands/validate.ts';
import type { Figure } from './main.ts';

const root = fileURLToPath(new URL('../../scenarios', import.meta.url));

/** Validates every scenario once, as `paranoid validate` does by default, and prints what it cost. */
export async function run(): Promise<Figure[]> {
  const scenarios = lintAll(root).scenarios.flatMap((s) => (s.loaded ? [s.loaded] : []));
  const jobs = availableParallelism();
  const load = loadavg()[0]!;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const env = await defaultProviderFactory('sim', scenarios, { jobs });
  let results: Awaited<ReturnType<typeof validateScenarios>>;
  try {
    results = await validateScenarios(scenarios, env, () => {});
  } finally {
    await env.close();
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const failed = new Set(results.filter((r) => !r.ok).map((r) => r.scenario));
  // A figure without its reason would hide a flaky case: say which failed and why, as validate does.
  for (const r of results.filter((x) => !x.ok)) {
    console.error(`  ${r.scenario} / ${r.name} FAILED:\n${r.problems.map((p) => `    - ${p}`).join('\n')}`);
  }
  const runs = results.reduce((n, r) => n + r.runs.length, 0);
  const figures: Figure[] = [
    {
      name: `validate ${scenarios.length} scenarios, simulator, --jobs ${jobs}: wall`,
      value: wall,
      unit: 's',
      goal: '< 30 s',
    },
    { name: 'validate: CPU time, user + system, all threads', value: (used.user + used.system) / 1e6, unit: 's' },
    { name: 'validate: load average (1 min) when it started', value: load, unit: `on ${jobs} cores` },
    { name: 'validate: cases (each run twice)', value: results.length, unit: `${runs} runs` },
    {
      name: 'validate: scenarios that validate',
      value: scenarios.length - failed.size,
      unit: `of ${scenarios.length}`,
    },
  ];
  for (const loaded of scenarios) {
    const id = loaded.scenario.id;
    const mine = results.filter((r) => r.scenario === id);
    const ms = mine.reduce((sum, r) => sum + r.runs.reduce((s, run) => s + run.ms, 0), 0);
    figures.push({ name: `  ${id}: ${mine.length} cases, their runs took`, value: ms / 1000, unit: 's' });
  }
  return figures;
}
