/**
 * resource-exhaustion played from its own steps: every runnable block of the attack and
 * verify steps, run as the learner's terminal runs it (sh with the real kubectl on PATH)
 * against a full simulated cluster with the scenario's images. On the setup the warm-up
 * starves the node and the kubelet evicts the payment API; after the reference solution the
 * same warm-up is stopped by the cache's own limit and the payment API keeps what it held.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { applyAsLearner, deleteObjects, provisionScenario, waitForSettled } from '@paranoid/catalog/apply.ts';
import { loadScenario } from '@paranoid/catalog/load.ts';
import { grade } from '@paranoid/grader/grade.ts';
import { createKubeApi, defaultInternet, KubeClient } from '@paranoid/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
const DIR = join(SCENARIOS, 'resource-exhaustion');
const SLOW = 180_000;

/** The ```sh run blocks of a step, in order. */
function runnableBlocks(step: string): string[] {
  const text = readFileSync(join(DIR, 'steps', step), 'utf8');
  return [...text.matchAll(/^[ \t]*```sh run\n([\s\S]*?)^[ \t]*```/gm)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.replace(/^ {3}/, ''))
      .join('\n'),
  );
}

let sim: StartedSim;

/** Runs a block as the terminal does: sh, kubectl on PATH, the session's kubeconfig. */
function terminal(block: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(
      'sh',
      ['-c', block],
      {
        timeout: 60_000,
        env: { PATH: `${dirname(KUBECTL)}:/usr/bin:/bin`, HOME: sim.dir, KUBECONFIG: sim.kubeconfigPath },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

async function kubectlOk(args: string[]): Promise<string> {
  const r = await sim.kubectl(args, { timeoutMs: 90_000 });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

async function applyFolder(folder: string): Promise<void> {
  for (const file of readdirSync(folder).sort()) {
    if (file.endsWith('.yaml') && file !== 'delete.yaml') await kubectlOk(['apply', '-f', join(folder, file)]);
  }
}

async function rolledOut(ns: string): Promise<void> {
  for (const name of (await kubectlOk(['get', 'deploy', '-n', ns, '-o', 'name'])).trim().split('\n')) {
    await kubectlOk(['rollout', 'status', '-n', ns, name, '--timeout=60s']);
  }
}

describe('resource-exhaustion, from its steps', () => {
  beforeAll(async () => {
    const { scenario } = loadScenario(DIR, SCENARIOS);
    if (!scenario) throw new Error('failed to load resource-exhaustion');
    sim = await startSim({ full: { images: scenario.imageDefinitions, internet: [] } });
    await applyFolder(join(DIR, 'setup'));
    await rolledOut('payments');
    await rolledOut('analytics');
  }, SLOW);
  afterAll(() => sim?.close());

  it(
    'evicts the BestEffort payment API when the cache starves the node; after the fix only the cache pays',
    async () => {
      const attack = runnableBlocks('02-attack.md');
      expect(attack).toHaveLength(4);
      expect((await terminal(attack[0]!)).out).toContain('in-flight');
      const warmUp = await terminal(attack[1]!);
      expect(warmUp.out).toContain('dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd');
      const seen = (await terminal(attack[2]!)).out;
      expect(seen).toMatch(/paranoid-worker2?\s+True/);
      expect(seen).toMatch(
        /The node was low on resource: memory\. Threshold quantity: 100Mi, available: \d+Ki\. Container payment-api was using \d+Ki, request is 0, has larger consumption of memory\./,
      );
      await rolledOut('payments');
      expect((await terminal(attack[3]!)).out).toContain('lost');

      await applyFolder(join(DIR, 'solution'));
      await rolledOut('payments');
      await rolledOut('analytics');

      const verify = runnableBlocks('04-verify.md');
      expect(verify).toHaveLength(3);
      const replay = await terminal(verify[0]!);
      expect(replay.out).toContain('got signal 9');
      const after = (await terminal(verify[1]!)).out;
      expect(after).toMatch(/^in-flight$/m);
      expect(after).toMatch(/payment-api-\S+\s+Guaranteed\s+10000000\s+0/);
      const budget = (await terminal(verify[2]!)).out;
      expect(budget).toContain('"limits":{"cpu":"500m","memory":"512Mi"}');
      expect(budget).toMatch(/limits\.memory\s+\S+\s+4Gi/);
    },
    SLOW,
  );
});

/**
 * Each near miss fails for the reason its README gives, and only that: the MUST checks it fails
 * are named here, so a variant that starts failing (or passing) for another reason shows.
 */
describe('resource-exhaustion near misses', () => {
  const failing: Record<string, string[]> = {
    'bad-cache-bounded-payment-left-besteffort': ['payment-api-guaranteed', 'payment-api-outranks-the-rest'],
    'bad-limitrange-not-restarted': ['analytics-containers-limited'],
    'bad-payment-class-below-analytics': ['payment-api-outranks-the-rest'],
    'bad-payment-limits-below-usage': ['payment-api-serves'],
    'bad-payment-requests-without-limits': ['payment-api-guaranteed'],
    'bad-quota-only-for-analytics': ['namespaces-have-memory-quotas'],
    'bad-report-cache-deleted': ['analytics-containers-limited', 'report-cache-serves'],
  };

  for (const [name, expected] of Object.entries(failing)) {
    it(
      `${name} fails ${expected.join(' and ')}`,
      async () => {
        const { scenario: loaded } = loadScenario(DIR, SCENARIOS);
        if (!loaded) throw new Error('failed to load resource-exhaustion');
        const variant = loaded.variants.find((v) => v.name === name);
        if (!variant) throw new Error(`no variant ${name}`);
        const lab = await startSim({ full: { images: loaded.imageDefinitions, internet: [] } });
        const client = KubeClient.fromFile(lab.kubeconfigPath);
        try {
          expect(await provisionScenario(client, loaded.setup, { settleTimeoutMs: 60_000 })).toEqual([]);
          await deleteObjects(client, variant.deletions);
          await applyAsLearner(client, variant.manifests);
          await waitForSettled(client, 5_000);
          const result = await grade(loaded.scenario, createKubeApi(client, defaultInternet(client)));
          const failed = result.checks.filter((c) => c.level === 'MUST' && !c.passed).map((c) => c.id);
          expect(failed.sort()).toEqual([...expected].sort());
        } finally {
          client.close();
          await lab.close();
        }
      },
      SLOW,
    );
  }
});
