import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  applyAsLearner,
  applyCloudChanges,
  deleteObjects,
  provisionScenario,
  waitForSettled,
} from '@paranoid/catalog/apply.ts';
import { lintAll } from '@paranoid/catalog/lint.ts';
import type { ChangeSet, LoadedScenario } from '@paranoid/catalog/load.ts';
import { judge as judgeScenario } from '@paranoid/grader/grade.ts';
import type { InternetRequest, InternetResponse } from '@paranoid/grader/kube-api.ts';
import { createKubeApi, defaultInternet, KubeClient } from '@paranoid/kube/client.ts';
import type { ClusterHandle, ClusterProvider } from '@paranoid/providers/provider.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';
import { type SimHost, type SimScenarioData, startSimHosts } from './sim-host-pool.ts';
import { ClusterLeases } from './validate-clusters.ts';
import {
  type CaseRun,
  caseProblems,
  changeProblems,
  fingerprint,
  setupProblems,
  type Verdicts,
} from './validate-proof.ts';

/** A provider ready for validate, and how to shut it down afterwards. */
export interface ValidateProvider {
  provider: ClusterProvider;
  /** How long to wait for workloads to roll out after each change. */
  settleTimeoutMs: number;
  /** How many cases run at once (each on its own cluster). */
  concurrency: number;
  /**
   * Runs of each case (default 2, compared to catch flaky checks). kind: 1, since each run
   * costs a real cluster; the two-run comparison stays on the simulator, which runs the
   * same checks on the same data.
   */
  runs?: number;
  /**
   * Whether a scenario's cases share a cluster, reset between them where that is sound
   * (kind: yes, a cluster costs minutes; the simulator: no, a fresh one costs milliseconds).
   */
  reuseClusters?: boolean;
  close(): Promise<void>;
}

/** Makes a provider for the scenarios about to be validated (the sim loads their images and internet hosts). */
export type ProviderFactory = (name: 'sim' | 'kind', scenarios: LoadedScenario[]) => Promise<ValidateProvider>;

interface CaseResult {
  scenario: string;
  name: string;
  expected: 'pass' | 'fail';
  runs: CaseRun[];
  ok: boolean;
  problems: string[];
}

const RUNS = 2;

/** A handle's internet, falling back to the simulator's endpoint when the provider does not model it. */
function internetFor(handle: ClusterHandle, client: KubeClient) {
  const viaServer = defaultInternet(client);
  return async (request: InternetRequest): Promise<InternetResponse> => {
    const answer = await handle.requestFromInternet(request);
    if (!answer.ok && /does not model/.test(answer.error)) return viaServer(request);
    return answer;
  };
}

async function judge(handle: ClusterHandle, client: KubeClient, loaded: LoadedScenario): Promise<Verdicts> {
  const api = createKubeApi(client, internetFor(handle, client));
  return judgeScenario(loaded.scenario, api);
}

async function applyChange(kc: KubeClient, change: ChangeSet, settleTimeoutMs: number): Promise<string[]> {
  await deleteObjects(kc, change.deletions);
  await applyCloudChanges(kc, change.cloud);
  await applyAsLearner(kc, change.manifests);
  return waitForSettled(kc, settleTimeoutMs);
}

/** Runs one case on a fresh cluster. Never throws: a failure to run is a problem of the case. */
async function runCase(
  env: ValidateProvider,
  clusters: ClusterLeases,
  loaded: LoadedScenario,
  change: ChangeSet,
  expected: 'pass' | 'fail',
): Promise<CaseRun> {
  const started = performance.now();
  const problems: string[] = [];
  const prints: string[] = [];
  const id = loaded.scenario.id;
  let handle: ClusterHandle | undefined;
  let kc: KubeClient | undefined;
  try {
    handle = (await clusters.acquire(loaded)).handle;
    kc = new KubeClient(handle.kubeconfig);
    const stuck = await provisionScenario(kc, loaded.setup, { settleTimeoutMs: env.settleTimeoutMs });
    if (stuck.length > 0) {
      problems.push(`could not run: the setup never came to rest (${stuck.slice(0, 3).join(', ')} still rolling out)`);
      return { ok: false, problems, fingerprint: 'not-run', ms: performance.now() - started };
    }
    if (change.name === 'solution') {
      const before = await judge(handle, kc, loaded);
      prints.push(fingerprint(before));
      problems.push(...setupProblems(before));
    }
    await applyChange(kc, change, env.settleTimeoutMs);
    const after = await judge(handle, kc, loaded);
    prints.push(fingerprint(after));
    problems.push(...changeProblems(after, expected));
  } catch (error) {
    problems.push(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    kc?.close();
    const healthy = !problems.some((p) => p.startsWith('could not run:'));
    if (handle) await clusters.release(loaded, handle, { healthy });
  }
  return { ok: problems.length === 0, problems, fingerprint: prints.join('/'), ms: performance.now() - started };
}

/** Runs `tasks` with at most `limit` in flight, keeping their order in the result. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

/**
 * Validates scenarios on a provider; progress goes to `log` (stderr). Each scenario's
 * setup is first brought up once (run 1 of setup → solution): if it cannot be, its
 * other cases are not run. Then every case and run goes on its own fresh cluster,
 * `env.concurrency` at a time.
 */
export async function validateScenarios(
  scenarios: LoadedScenario[],
  env: ValidateProvider,
  log: (line: string) => void,
): Promise<CaseResult[]> {
  type Case = { loaded: LoadedScenario; change: ChangeSet; expected: 'pass' | 'fail' };
  const cases: Case[] = scenarios.flatMap((loaded) => [
    { loaded, change: loaded.solution, expected: 'pass' as const },
    ...loaded.variants.map((v) => ({ loaded, change: v as ChangeSet, expected: v.expect })),
  ]);
  const runs = env.runs ?? RUNS;
  // A line per scenario as soon as its last case is done, so a long job shows where it is.
  const pending = new Map<string, { left: number; ok: number; failed: number; started: number }>();
  for (const c of cases) {
    const id = c.loaded.scenario.id;
    const p = pending.get(id) ?? { left: 0, ok: 0, failed: 0, started: performance.now() };
    p.left += runs;
    pending.set(id, p);
  }
  const settle = (id: string, ok: boolean, count = 1) => {
    const p = pending.get(id);
    if (!p || p.left <= 0) return;
    p.left -= count;
    if (ok) p.ok += count;
    else p.failed += count;
    if (p.left === 0) {
      const minutes = (performance.now() - p.started) / 60_000;
      log(
        `scenario ${id}: ${p.failed === 0 ? 'ok' : 'FAILED'}, ${p.ok} of ${p.ok + p.failed} case runs ok in ${minutes.toFixed(1)} min (${(minutes / Math.max(1, p.ok + p.failed)).toFixed(1)} min per case)`,
      );
    }
  };
  const clusters = new ClusterLeases(env.provider, {
    reuse: env.reuseClusters ?? false,
    resetTimeoutMs: Math.max(env.settleTimeoutMs, 30_000),
    log,
  });
  const runCaseLogged = async (c: Case, run: number) => {
    const r = await runCase(env, clusters, c.loaded, c.change, c.expected);
    log(`${c.loaded.scenario.id} ${c.change.name} run ${run}: ${r.ok ? 'ok' : 'FAILED'} (${Math.round(r.ms)} ms)`);
    settle(c.loaded.scenario.id, r.ok);
    return r;
  };

  // First runs of each scenario's setup → solution, to find setups that cannot come up.
  const firsts = await pool(
    cases.filter((c) => c.change.name === 'solution').map((c) => () => runCaseLogged(c, 1)),
    env.concurrency,
  );
  const blocked = new Map<string, string>();
  const firstRun = new Map<Case, CaseRun>();
  cases
    .filter((c) => c.change.name === 'solution')
    .forEach((c, i) => {
      firstRun.set(c, firsts[i]!);
      const problem = firsts[i]!.problems.find((p) => p.startsWith('could not run:'));
      if (problem) {
        blocked.set(c.loaded.scenario.id, problem);
        log(`${c.loaded.scenario.id}: ${problem}; skipping its other cases`);
        settle(c.loaded.scenario.id, false, pending.get(c.loaded.scenario.id)?.left ?? 0);
      }
    });

  const jobs: { c: Case; run: number }[] = [];
  for (const c of cases) {
    if (blocked.has(c.loaded.scenario.id)) continue;
    for (let run = 1; run <= runs; run++) if (!(run === 1 && firstRun.has(c))) jobs.push({ c, run });
  }
  const done = await pool(
    jobs.map((j) => () => runCaseLogged(j.c, j.run)),
    env.concurrency,
  ).finally(() => clusters.close());

  return cases.map((c) => {
    const runs: CaseRun[] = [];
    const first = firstRun.get(c);
    if (first) runs.push(first);
    jobs.forEach((j, i) => {
      if (j.c === c) runs.push(done[i]!);
    });
    const name = c.change.name === 'solution' ? 'setup → solution' : c.change.name;
    const base = { scenario: c.loaded.scenario.id, name, expected: c.expected, runs };
    if (blocked.has(c.loaded.scenario.id) && c.change.name !== 'solution') {
      return { ...base, ok: false, problems: ['not run: its setup → solution case could not run'] };
    }
    const problems = caseProblems(runs);
    return { ...base, ok: problems.length === 0, problems };
  });
}

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
 * The default providers: the simulator (one full simulated cluster per case, with the
 * scenario's images and internet hosts), or kind. The simulator's clusters live in
 * worker threads, one HTTPS host per core up to two, so building and running clusters
 * uses the second core while this thread drives the cases and grades; where workers
 * cannot start, one host runs in this thread.
 */
export const defaultProviderFactory: ProviderFactory = async (name, scenarios) => {
  if (name === 'kind') return kindProvider(scenarios);
  const { SimProvider } = await import('@paranoid/providers/sim-provider.ts');
  const data: SimScenarioData[] = scenarios.map((s) => ({
    id: s.scenario.id,
    images: s.imageDefinitions,
    internet: s.scenario.internet,
    preload: imagesToPreload(s),
  }));
  // Workers pay for themselves only on cores nobody else is using: on a busy machine they add
  // CPU (a second TLS server, modules loaded twice) and take nothing off the wall clock.
  // PARANOID_SIM_WORKERS=N decides (0 keeps the simulator in this thread, for --cpu-prof).
  const idle = availableParallelism() - loadavg()[0]!;
  const workers = Math.min(Number(process.env.PARANOID_SIM_WORKERS ?? (idle >= 1.5 ? 2 : 0)), availableParallelism());
  const hosts = await startSimHosts(data, workers);
  const owner = new Map<string, SimHost>();
  let next = 0;
  const provider = new SimProvider({
    // Every case wants a fresh cluster right away; clusters made ahead would only be thrown away.
    warmPool: false,
    host: {
      addCluster: async ({ scenarioId }) => {
        const host = hosts[next++ % hosts.length]!;
        const cluster = await host.addCluster(scenarioId);
        owner.set(cluster.id, host);
        return cluster;
      },
      removeCluster: async (id) => {
        const host = owner.get(id);
        owner.delete(id);
        await host?.removeCluster(id);
      },
    },
  });
  return {
    provider,
    // A cap, not a wait: most cases settle in under a second. A fix that runs a build Job settles
    // only once the build has pushed, its deploy step has run and the new pods are Ready, which
    // takes a few seconds of image pulls and more with four cases sharing two cores.
    settleTimeoutMs: 15_000,
    concurrency: 4,
    close: async () => {
      await Promise.all(hosts.map((h) => h.close()));
    },
  };
};

/**
 * kind: one real cluster per case, one at a time (each takes a minute and a few GiB).
 * Scenario images are built from their Dockerfiles; NodePorts the setup publishes
 * are mapped to loopback ports for the internet probes.
 */
async function kindProvider(scenarios: LoadedScenario[]): Promise<ValidateProvider> {
  const { kindProviderFor } = await import('@paranoid/providers/kind/for-scenarios.ts');
  const provider = kindProviderFor(scenarios, { ttlMs: 60 * 60 * 1000 });
  // One run per case: each costs a real cluster (see ValidateProvider.runs).
  return {
    provider,
    settleTimeoutMs: 180_000,
    concurrency: 1,
    runs: 1,
    reuseClusters: true,
    close: async () => provider.close(),
  };
}

/** Flags of `paranoid validate`: which provider to replay scenarios' solutions on and where the scenarios are. */
export interface ValidateOptions {
  provider?: 'sim' | 'kind';
  scenarios?: string;
}

const defaultRoot = () => fileURLToPath(new URL('../../../../scenarios', import.meta.url));

/** `paranoid validate [--provider sim|kind] [ID...]`: exit 0 when every scenario proves out. */
export async function validate(
  ids: string[],
  options: ValidateOptions,
  factory: ProviderFactory = defaultProviderFactory,
  out: { stdout: (s: string) => void; stderr: (s: string) => void } = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  },
): Promise<number> {
  const root = options.scenarios ?? defaultRoot();
  const report = lintAll(root, ids);
  const unknown = ids.filter((id) => !report.scenarios.some((s) => s.id === id));
  if (unknown.length > 0) {
    out.stderr(`paranoid validate: no scenario ${unknown.join(', ')} in ${root}\n`);
    return 2;
  }
  if (report.problems > 0) {
    for (const s of report.scenarios) for (const p of s.problems) out.stderr(`${formatProblem(p)}\n`);
    out.stderr(`paranoid validate: fix the problems above first (paranoid lint)\n`);
    return 1;
  }
  const all = report.scenarios.map((s) => s.loaded!);
  // A scenario that says why it cannot run on kind yet is not run there: said, not failed.
  const skipped = options.provider === 'kind' ? all.filter((s) => s.scenario.notOnKind) : [];
  for (const s of skipped) out.stderr(`scenario ${s.scenario.id}: not run on kind: ${s.scenario.notOnKind}\n`);
  const loadedScenarios = all.filter((s) => !skipped.includes(s));
  if (loadedScenarios.length === 0) {
    out.stderr('paranoid validate: none of these scenarios runs on kind yet; nothing was validated\n');
    return 2;
  }
  let env: ValidateProvider;
  try {
    env = await factory(options.provider ?? 'sim', loadedScenarios);
  } catch (error) {
    out.stderr(
      `paranoid validate: could not run: ${error instanceof Error ? error.message : String(error)}; nothing was validated\n`,
    );
    return 2;
  }
  const started = performance.now();
  let results: CaseResult[];
  try {
    results = await validateScenarios(loadedScenarios, env, (line) => out.stderr(`${line}\n`));
  } finally {
    await env.close().catch(() => {});
  }
  // Nothing could even start (no provider, no cluster): that is not a verdict on the scenarios.
  const firstRuns = results.filter((r) => r.name === 'setup → solution').map((r) => r.runs[0]);
  if (firstRuns.length > 0 && firstRuns.every((r) => r?.problems.some((p) => p.startsWith('could not run:')))) {
    const why = firstRuns[0]!.problems.find((p) => p.startsWith('could not run:'))!;
    out.stderr(`paranoid validate: ${why}; nothing was validated\n`);
    return 2;
  }
  out.stdout(`${summaryTable(results, env.runs ?? RUNS)}\n`);
  for (const r of results.filter((x) => !x.ok && x.runs.length > 0)) {
    out.stdout(`\n${r.scenario} / ${r.name}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  }
  const byScenario = new Map<string, boolean>();
  for (const r of results) byScenario.set(r.scenario, (byScenario.get(r.scenario) ?? true) && r.ok);
  const passed = [...byScenario.values()].filter(Boolean).length;
  const failed = byScenario.size - passed;
  out.stdout(
    `\nvalidated in ${((performance.now() - started) / 1000).toFixed(1)} s\n${passed} passed, ${failed} failed\n`,
  );
  return failed === 0 ? 0 : 1;
}

function summaryTable(results: CaseResult[], runs: number): string {
  const rows = [
    ['scenario', 'case', 'expected', ...Array.from({ length: runs }, (_, i) => `run ${i + 1}`), 'verdict'],
    ...results.map((r) => [
      r.scenario,
      r.name,
      r.expected === 'pass' ? 'passes' : 'fails',
      ...Array.from({ length: runs }, (_, i) => {
        const run = r.runs[i];
        return run === undefined ? 'not run' : run.ok ? `ok ${Math.round(run.ms)}ms` : 'FAILED';
      }),
      r.ok ? 'ok' : 'FAILED',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
