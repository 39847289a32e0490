import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import type { ChangeSet, LoadedScenario } from '@paranoid/catalog/load.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';
import { type CaseClusters, type CaseStart, runCase, type ValidateProvider } from './validate-case.ts';
import { ClusterLeases } from './validate-clusters.ts';
import { type CaseRun, caseProblems } from './validate-proof.ts';
import { simValidateProvider } from './validate-sim.ts';
import { startCaseWorkers } from './validate-workers.ts';

/** How validate spreads its cases: `jobs` threads each running cases (the simulator; kind runs one at a time). */
export interface ProviderFactoryOptions {
  jobs?: number;
}

/** Makes a provider for the scenarios about to be validated (the sim loads their images and internet hosts). */
export type ProviderFactory = (
  name: 'sim' | 'kind',
  scenarios: LoadedScenario[],
  options?: ProviderFactoryOptions,
) => Promise<ValidateProvider>;

interface CaseResult {
  scenario: string;
  name: string;
  expected: 'pass' | 'fail';
  runs: CaseRun[];
  ok: boolean;
  problems: string[];
}

const RUNS = 2;

/** Runs tasks at most `limit` at once, in the order they were given; a task may give more. */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  const started = new Set<Promise<void>>();
  return {
    run(task: () => Promise<void>): void {
      const p = (async () => {
        if (active >= Math.max(1, limit)) await new Promise<void>((resolve) => waiting.push(resolve));
        active++;
        try {
          await task();
        } finally {
          active--;
          waiting.shift()?.();
        }
      })();
      // Seen by idle(); until then a failure must not count as unhandled.
      p.catch(() => undefined);
      started.add(p);
    },
    /** Resolves once every task given, including those given by tasks, has run; rejects as the first that threw. */
    async idle(): Promise<void> {
      while (started.size > 0) {
        const now = [...started];
        await Promise.all(now);
        for (const p of now) started.delete(p);
      }
    },
  };
}

/**
 * Validates scenarios on a provider; progress goes to `log` (stderr). Each scenario's
 * setup is first brought up once (run 1 of setup → solution): if it cannot be, its
 * other cases are not run. Then every case and run goes on its own fresh cluster,
 * `env.concurrency` at a time (in `env.runCase`'s worker threads when it has them).
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
  const started = performance.now();
  const pending = new Map<string, { left: number; ok: number; failed: number; busyMs: number }>();
  for (const c of cases) {
    const id = c.loaded.scenario.id;
    const p = pending.get(id) ?? { left: 0, ok: 0, failed: 0, busyMs: 0 };
    p.left += runs;
    pending.set(id, p);
  }
  const settle = (id: string, ok: boolean, ms: number, count = 1) => {
    const p = pending.get(id);
    if (!p || p.left <= 0) return;
    p.left -= count;
    p.busyMs += ms;
    if (ok) p.ok += count;
    else p.failed += count;
    if (p.left === 0) {
      // Cases of several scenarios run at once: the time a scenario's case runs took between them says
      // what it costs; when it finished says where the job is.
      const all = p.ok + p.failed;
      log(
        `scenario ${id}: ${p.failed === 0 ? 'ok' : 'FAILED'}, ${p.ok} of ${all} case runs ok, ${(p.busyMs / 1000).toFixed(1)} s of case runs (${(p.busyMs / 1000 / Math.max(1, all)).toFixed(2)} s each), done after ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  };
  const leases = (provider: ClusterProvider, reuse: boolean) =>
    new ClusterLeases(provider, { reuse, resetTimeoutMs: Math.max(env.settleTimeoutMs, 30_000), log });
  const clusters: CaseClusters | undefined = env.provider
    ? {
        fresh: leases(env.provider, env.reuseClusters ?? false),
        ...(env.settledSetup ? { settled: leases(env.settledSetup, false) } : {}),
      }
    : undefined;
  const runOne = (c: Case, how: CaseStart): Promise<CaseRun> => {
    if (env.runCase) return env.runCase(c.loaded, c.change, c.expected, how);
    if (!clusters) throw new Error('failed to run a case: the provider has neither clusters nor a case runner');
    return runCase(env, clusters, c.loaded, c.change, c.expected, how);
  };
  // Each scenario's first setup → solution run applies the setup itself; the others may start from its settled copy.
  const runCaseLogged = async (c: Case, run: number, how: CaseStart = { fromSettledSetup: true }) => {
    const r = await runOne(c, how);
    log(`${c.loaded.scenario.id} ${c.change.name} run ${run}: ${r.ok ? 'ok' : 'FAILED'} (${Math.round(r.ms)} ms)`);
    settle(c.loaded.scenario.id, r.ok, r.ms);
    return r;
  };

  // First runs of each scenario's setup → solution, to find setups that cannot come up. A scenario's other
  // runs start as soon as its own first run is done, not once every scenario's is: no core waits at the seam.
  const blocked = new Map<string, string>();
  const firstRun = new Map<Case, CaseRun>();
  const jobs: { c: Case; run: number }[] = [];
  const done = new Map<{ c: Case; run: number }, CaseRun>();
  const limit = limiter(env.handOff ?? env.concurrency);
  const runFirst = (c: Case) => async () => {
    const first = await runCaseLogged(c, 1, { fromSettledSetup: false });
    firstRun.set(c, first);
    const id = c.loaded.scenario.id;
    const problem = first.problems.find((p) => p.startsWith('could not run:'));
    if (problem) {
      blocked.set(id, problem);
      log(`${id}: ${problem}; skipping its other cases`);
      settle(id, false, 0, pending.get(id)?.left ?? 0);
      return;
    }
    for (const other of cases) {
      if (other.loaded.scenario.id !== id) continue;
      for (let run = 1; run <= runs; run++) {
        if (run === 1 && other === c) continue;
        const job = { c: other, run };
        jobs.push(job);
        limit.run(async () => {
          done.set(job, await runCaseLogged(other, run));
        });
      }
    }
  };
  for (const c of cases) if (c.change.name === 'solution') limit.run(runFirst(c));
  await limit.idle().finally(() => Promise.all([clusters?.fresh.close(), clusters?.settled?.close()]));

  return cases.map((c) => {
    const runs: CaseRun[] = [];
    const first = firstRun.get(c);
    if (first) runs.push(first);
    for (const j of jobs.filter((x) => x.c === c).sort((x, y) => x.run - y.run)) runs.push(done.get(j)!);
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
 * Cases one thread runs at once: with the clusters' time simulated, a case mostly computes; two
 * fill the gaps where one waits on a response, and more only hold more clusters in memory (in a
 * profile, four per thread cost about 4% more CPU than two: more clusters live at once).
 */
const CASES_PER_THREAD = 2;

/**
 * The default providers: the simulator (one full simulated cluster per case, with the
 * scenario's images and internet hosts, each on its own simulated clock: it starts at the same
 * instant for every case and skips to whatever is waited for), or kind. With `jobs` of two or
 * more, the simulator's cases run end to end in that many worker threads, each with its
 * own HTTPS host, client and grader; with one, or where workers cannot start, in this thread.
 */
export const defaultProviderFactory: ProviderFactory = async (name, scenarios, options = {}) => {
  if (name === 'kind') return kindProvider(scenarios);
  const jobs = options.jobs ?? 1;
  const clock = 'simulated' as const;
  if (jobs >= 2) {
    try {
      const workers = await startCaseWorkers(scenarios, { jobs, clock, concurrency: CASES_PER_THREAD });
      return {
        // A cap, not a wait: most cases settle at once; a fix that runs a build Job settles only once
        // the build has pushed, its deploy step has run and the new pods are Ready.
        settleTimeoutMs: 15_000,
        concurrency: jobs * CASES_PER_THREAD,
        handOff: Number.POSITIVE_INFINITY,
        threads: jobs,
        runCase: workers.runCase,
        close: workers.close,
      };
    } catch {
      // No worker could start (no tsx loader to find, as under vitest): the cases run in this thread.
    }
  }
  return simValidateProvider(scenarios, { clock, concurrency: CASES_PER_THREAD });
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
  /** Threads running the simulator's cases (default: one per core). */
  jobs?: number;
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
    env = await factory(options.provider ?? 'sim', loadedScenarios, { jobs: options.jobs ?? availableParallelism() });
  } catch (error) {
    out.stderr(
      `paranoid validate: could not run: ${error instanceof Error ? error.message : String(error)}; nothing was validated\n`,
    );
    return 2;
  }
  const threads = env.threads ?? 1;
  out.stderr(
    `paranoid validate: ${loadedScenarios.length} scenarios, up to ${env.concurrency} cases at once in ${threads} ${threads === 1 ? 'thread' : 'worker threads'}\n`,
  );
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
