import { performance } from 'node:perf_hooks';
import {
  applyAsLearner,
  applyCloudChanges,
  type ClusterTime,
  deleteObjects,
  provisionScenario,
  waitForSettled,
  wallTime,
} from '@paranoid/catalog/apply.ts';
import type { ChangeSet, LoadedScenario } from '@paranoid/catalog/load.ts';
import { judge as judgeScenario } from '@paranoid/grader/grade.ts';
import type { InternetRequest, InternetResponse } from '@paranoid/grader/kube-api.ts';
import { createKubeApi, defaultInternet, KubeClient } from '@paranoid/kube/client.ts';
import type { ClusterHandle, ClusterProvider } from '@paranoid/providers/provider.ts';
import type { ClusterLeases } from './validate-clusters.ts';
import { type CaseRun, changeProblems, fingerprint, setupProblems, type Verdicts } from './validate-proof.ts';

// One run of one validate case: a cluster from the provider, the setup as the learner applies
// it, the change, and the grader's verdicts. The same code runs in this thread (kind, --jobs 1)
// and in validate's worker threads.

/** A provider ready for validate, and how to shut it down afterwards. */
export interface ValidateProvider {
  /** Where cases run in this thread get their clusters (all but the simulator's worker threads). */
  provider?: ClusterProvider;
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
  /**
   * The time a case waits for a cluster in (its rollouts, deletions, the grader's pauses for Falco):
   * the simulator's clusters each have their own clock, which skips ahead to what is waited for.
   * Without it, the wall clock (kind).
   */
  clusterTime?(handle: ClusterHandle): ClusterTime;
  /**
   * Clusters that start with the scenario's setup applied and at rest, copied from one the setup
   * was applied to as the learner's editor applies it (the simulator). Every run but each scenario's
   * first setup → solution run starts from one; that run applies the setup itself, so the
   * learner's path is proven once per scenario, and its verdicts must equal the copies'.
   */
  settledSetup?: ClusterProvider;
  /**
   * Cases validate hands to `runCase` at once, where that queues them itself and its workers
   * choose what runs next (more than `concurrency`, which is what runs at once); default `concurrency`.
   */
  handOff?: number;
  /** Threads the cases run in (default 1: this one). */
  threads?: number;
  /**
   * Runs one case somewhere else (the simulator's worker threads, each running whole cases on
   * its own clusters); without it, cases run in this thread on `provider`.
   */
  runCase?(loaded: LoadedScenario, change: ChangeSet, expected: 'pass' | 'fail', how: CaseStart): Promise<CaseRun>;
  close(): Promise<void>;
}

/** How a case run starts: applying the setup itself, or from a copy of the settled setup where there is one. */
export interface CaseStart {
  fromSettledSetup: boolean;
}

/** Where one run's clusters come from: fresh ones, and copies of settled setups where the provider has them. */
export interface CaseClusters {
  fresh: ClusterLeases;
  settled?: ClusterLeases;
}

/** A handle's internet, falling back to the simulator's endpoint when the provider does not model it. */
function internetFor(handle: ClusterHandle, client: KubeClient) {
  const viaServer = defaultInternet(client);
  return async (request: InternetRequest): Promise<InternetResponse> => {
    const answer = await handle.requestFromInternet(request);
    if (!answer.ok && /does not model/.test(answer.error)) return viaServer(request);
    return answer;
  };
}

async function judge(
  handle: ClusterHandle,
  client: KubeClient,
  loaded: LoadedScenario,
  time: ClusterTime,
): Promise<Verdicts> {
  const api = createKubeApi(client, internetFor(handle, client));
  // The grader's pauses wait for the cluster to act, so they run on the cluster's time.
  return judgeScenario(loaded.scenario, time === wallTime ? api : { ...api, pause: (ms) => time.sleep(ms) });
}

async function applyChange(
  kc: KubeClient,
  change: ChangeSet,
  settleTimeoutMs: number,
  time: ClusterTime,
): Promise<string[]> {
  await deleteObjects(kc, change.deletions, undefined, time);
  await applyCloudChanges(kc, change.cloud);
  await applyAsLearner(kc, change.manifests);
  return waitForSettled(kc, settleTimeoutMs, time);
}

/** Runs one case on a cluster from `clusters`. Never throws: a failure to run is a problem of the case. */
export async function runCase(
  env: ValidateProvider,
  clusters: CaseClusters,
  loaded: LoadedScenario,
  change: ChangeSet,
  expected: 'pass' | 'fail',
  how: CaseStart,
): Promise<CaseRun> {
  const started = performance.now();
  const problems: string[] = [];
  const prints: string[] = [];
  let handle: ClusterHandle | undefined;
  let leases = clusters.fresh;
  let kc: KubeClient | undefined;
  try {
    if (how.fromSettledSetup && clusters.settled) {
      // Where the setup never came to rest for the copy, the run applies it itself, as the first did.
      handle = await clusters.settled
        .acquire(loaded)
        .then((lease) => lease.handle)
        .catch(() => undefined);
      if (handle) leases = clusters.settled;
    }
    handle ??= (await leases.acquire(loaded)).handle;
    kc = new KubeClient(handle.kubeconfig);
    const time = env.clusterTime?.(handle) ?? wallTime;
    const stuck =
      leases === clusters.settled
        ? await waitForSettled(kc, env.settleTimeoutMs, time)
        : await provisionScenario(kc, loaded.setup, { settleTimeoutMs: env.settleTimeoutMs, time });
    if (stuck.length > 0) {
      problems.push(`could not run: the setup never came to rest (${stuck.slice(0, 3).join(', ')} still rolling out)`);
      return { ok: false, problems, fingerprint: 'not-run', ms: performance.now() - started };
    }
    if (change.name === 'solution') {
      const before = await judge(handle, kc, loaded, time);
      prints.push(fingerprint(before));
      problems.push(...setupProblems(before));
    }
    await applyChange(kc, change, env.settleTimeoutMs, time);
    const after = await judge(handle, kc, loaded, time);
    prints.push(fingerprint(after));
    problems.push(...changeProblems(after, expected));
  } catch (error) {
    problems.push(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    kc?.close();
    const healthy = !problems.some((p) => p.startsWith('could not run:'));
    if (handle) await leases.release(loaded, handle, { healthy });
  }
  return { ok: problems.length === 0, problems, fingerprint: prints.join('/'), ms: performance.now() - started };
}
