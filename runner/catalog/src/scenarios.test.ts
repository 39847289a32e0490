import { fileURLToPath } from 'node:url';
import { grade } from '@paranoid/grader/grade.ts';
import { FakeKubeApi } from '@paranoid/grader/testing/fake-kube-api.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';
import type { Scenario } from '@paranoid/schema/scenario.ts';
import { describe, expect, it } from 'vitest';
import type { ChangeSet, LoadedScenario } from './load.ts';
import { lintAll } from './load-and-lint.ts';
import { networkExec } from './testing/network-exec.ts';

/**
 * The four seed scenarios against an in-memory API: objects, access reviews (a
 * small RBAC), dry-runs (Pod Security and ValidatingAdmissionPolicy) and network
 * probes (the simulator's network engine). Probes that need a container runtime or
 * the internet path (exec of ps/cat, HTTP from outside) are left to
 * `paranoid validate`, which runs everything against a real simulated cluster.
 */
const root = fileURLToPath(new URL('../../../scenarios', import.meta.url));
const report = lintAll(root);

/** Bad variants whose hole only a probe the fake cannot answer (network, admission) shows. */
const caughtOnlyByProbes: Record<string, string[]> = {};

const NETWORK_COMMANDS = ['nc', 'nslookup', 'redis-cli'];

/** Whether the fake can answer this probe (or it is an object check). */
function judged(probe: Scenario['checks'][number]['probe']): boolean {
  if (probe === undefined) return true;
  if (probe.kind === 'internet') return false;
  if (probe.kind === 'exec') return NETWORK_COMMANDS.includes(probe.command[0] ?? '');
  return true;
}

function judgedOnly(scenario: Scenario): Scenario {
  return {
    ...scenario,
    checks: scenario.checks.filter((c) => judged(c.probe)),
  };
}

async function gradeAfter(loaded: LoadedScenario, change?: ChangeSet) {
  const api = new FakeKubeApi();
  api.execHook = networkExec(api, loaded.scenario.internet);
  api.apply(loaded.setup);
  if (change) {
    api.delete(change.deletions);
    api.apply(change.manifests);
  }
  return grade(judgedOnly(loaded.scenario), api);
}

const failingMust = (r: Awaited<ReturnType<typeof gradeAfter>>) =>
  r.checks.filter((c) => c.level === 'MUST' && !c.passed).map((c) => `${c.id}: ${c.message}`);

describe('the seed scenarios', () => {
  it('lint clean', () => {
    const problems = report.scenarios.flatMap((s) => s.problems.map(formatProblem));
    expect(problems).toEqual([]);
    expect(report.scenarios.map((s) => s.id).sort()).toEqual([
      'cryptominer-image',
      'exposed-dashboard',
      'missing-networkpolicy',
      'root-container-escape',
    ]);
  });

  for (const entry of report.scenarios) {
    const loaded = entry.loaded;
    if (!loaded) continue;
    describe(entry.id, () => {
      it('fails at least one MUST check on the setup', async () => {
        expect(failingMust(await gradeAfter(loaded))).not.toEqual([]);
      });

      it('passes every judged MUST check after the reference solution', async () => {
        expect(failingMust(await gradeAfter(loaded, loaded.solution))).toEqual([]);
      });

      for (const variant of loaded.variants) {
        if (variant.expect === 'pass') {
          it(`accepts the good variant ${variant.name}`, async () => {
            expect(failingMust(await gradeAfter(loaded, variant))).toEqual([]);
          });
        } else if (!(caughtOnlyByProbes[entry.id] ?? []).includes(variant.name)) {
          it(`rejects the bad variant ${variant.name}`, async () => {
            expect(failingMust(await gradeAfter(loaded, variant))).not.toEqual([]);
          });
        }
      }
    });
  }
});
