/**
 * metadata-ssrf: each change fails exactly the checks its README names, graded through the API
 * as the lab grades (`paranoid validate` proves only that a bad variant fails *some* MUST
 * check), every change on its own fresh simulated cluster, its `cloud.yaml` made through the
 * cloud's API. And the scenario played from its own steps, typed into the real sandboxed learner
 * terminal (its `aws`, its network to the nodes), the attack before the fix and after it.
 */
import { join } from 'node:path';
import { type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { grade, runAttacks } from '@paranoid/grader/grade.ts';
import { type SimClusters, startSimClusters } from '@paranoid/grader/testing/sim-cluster.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachChangeFailsExactly } from '../support/near-misses.ts';
import {
  applyReferenceSolution,
  openTerminal,
  startLab,
  type TerminalClient,
  waitForSetup,
} from '../support/sandbox-terminal.ts';
import { SCENARIOS, ScenarioSteps } from '../support/scenario-steps.ts';

const DIR = join(SCENARIOS, 'metadata-ssrf');
const SLOW = 180_000;
const IMDS = ['imds-tokens-required', 'imds-hop-limit-one'];

describe('metadata-ssrf on the setup', () => {
  let sims: SimClusters;
  let loaded: LoadedScenario;
  beforeAll(async () => {
    const { scenario } = loadScenario(DIR, SCENARIOS);
    if (!scenario) throw new Error('failed to load metadata-ssrf');
    loaded = scenario;
    sims = await startSimClusters(scenario.imageDefinitions);
  }, SLOW);
  afterAll(() => sims?.close());

  it(
    'on the setup: the proxy reaches the metadata address, every instance answers IMDSv1 with hop limit 2, and both attacks work',
    async () => {
      const c = sims.cluster();
      try {
        await c.apply(loaded.setup);
        const result = await grade(loaded.scenario, c.api());
        const failed = result.checks.filter((r) => !r.passed);
        expect(failed.map((r) => r.id).sort()).toEqual(['proxy-cannot-reach-metadata', ...IMDS].sort());
        expect(failed.find((r) => r.id === 'imds-tokens-required')!.message).toMatch(
          /Found: node paranoid-control-plane \(i-0[0-9a-f]{16}\): HttpTokens is optional; node paranoid-worker /,
        );
        expect(failed.find((r) => r.id === 'imds-hop-limit-one')!.message).toContain('HttpPutResponseHopLimit is 2');
        expect((await runAttacks(loaded.scenario, c.api())).map((a) => [a.id, a.succeeded])).toEqual([
          ['ssrf-lists-role', true],
          ['ssrf-reads-credentials', true],
        ]);
      } finally {
        c.close();
      }
    },
    SLOW,
  );

  it(
    'a node annotation or label claiming IMDSv2 changes nothing: the grader reads the cloud',
    async () => {
      const c = sims.cluster();
      try {
        await c.apply(loaded.setup);
        for (const node of ['paranoid-control-plane', 'paranoid-worker', 'paranoid-worker2']) {
          await c.client.send(
            'PATCH',
            `/api/v1/nodes/${node}`,
            {
              metadata: {
                labels: { 'ec2.amazonaws.com/http-tokens': 'required' },
                annotations: { HttpTokens: 'required', HttpPutResponseHopLimit: '1' },
              },
            },
            'application/merge-patch+json',
          );
        }
        const result = await grade(loaded.scenario, c.api());
        expect(result.checks.filter((r) => !r.passed && IMDS.includes(r.id)).map((r) => r.id)).toEqual(IMDS);
      } finally {
        c.close();
      }
    },
    SLOW,
  );
});

describe('metadata-ssrf: each change on its own cluster', () => {
  eachChangeFailsExactly({
    scenario: 'metadata-ssrf',
    failing: {
      solution: [],
      'good-namespace-default-deny': [],
      'good-except-link-local': [],
      'good-cloud-in-steps': [],
      'bad-hop-limit-two': ['imds-hop-limit-one'],
      'bad-imdsv1-still-allowed': ['imds-tokens-required'],
      'bad-egress-policy-only': IMDS,
      'bad-policy-wrong-label': ['proxy-cannot-reach-metadata'],
      'bad-link-local-allowed-for-dns': ['proxy-cannot-reach-metadata'],
      'bad-proxy-deleted': ['proxy-cannot-reach-metadata', 'proxy-fetches-media', 'image-proxy-ready'],
      'bad-upstream-blocked': ['proxy-fetches-media'],
      'bad-egress-denies-dns': ['proxy-fetches-media'],
      'bad-workers-only': IMDS,
    },
    // The egress policy, or IMDSv2 refusing the GET, stops the SSRF in every variant but the ones without a proxy to ask.
    async also(c, _change, loaded) {
      for (const attack of await runAttacks(loaded.scenario, c.api())) expect(attack.succeeded, attack.id).toBe(false);
    },
  });
});

describe('metadata-ssrf, from its steps in the learner terminal', () => {
  const steps = new ScenarioSteps('metadata-ssrf');
  let lab: LabServer;
  let base: string;
  let term: TerminalClient;
  beforeAll(async () => {
    ({ lab, base } = await startLab());
    term = await openTerminal(base, 'metadata-ssrf');
    await waitForSetup(lab, term);
  }, SLOW);
  afterAll(async () => {
    term?.close();
    await lab?.close();
  });
  const run = (block: string) => term.run(`${block.trim().replace(/\n/g, '\r')}\recho "__rc=$?"`, 60_000);

  it(
    'steals the node role’s keys through the proxy; after the fix the proxy answers with its error, the feature works, and a pod gets no token',
    async () => {
      const explore = steps.blocks('01-explore.md');
      expect(explore).toHaveLength(3);
      expect(await run(explore[1]!)).toContain('"sku":"TEE-01"');
      expect(await run(explore[2]!)).toMatch(/"HttpTokens": ?"optional"/);

      const attack = steps.blocks('02-attack.md');
      expect(attack).toHaveLength(3);
      const role = await run(attack[0]!);
      expect(role).toMatch(/^paranoid-node-role$/m);
      expect(role).toMatch(/^__rc=0$/m);
      const keys = await run(attack[1]!);
      expect(keys).toMatch(/"AccessKeyId": "AKIAIOSFODNN7EXAMPLE"/);
      expect(keys).toMatch(/^__rc=0$/m);
      const identity = await run(attack[2]!);
      expect(identity).toMatch(/"Arn": ?"arn:aws:sts::123456789012:assumed-role\/paranoid-node-role\/i-0[0-9a-f]{16}"/);
      expect(identity).toMatch(/^__rc=0$/m);

      // The fix step's cloud block, typed; the policy as the editor applies it.
      const fix = steps.blocks('03-fix.md');
      expect(fix).toHaveLength(4);
      await run(fix[0]!);
      const modified = await run(fix[2]!);
      expect(modified.match(/"HttpTokens": ?"required"/g), modified).toHaveLength(3);
      expect(modified).toMatch(/^__rc=0$/m);
      const options = await run(fix[3]!);
      expect(options.match(/"HttpPutResponseHopLimit": ?1\b/g), options).toHaveLength(3);
      await applyReferenceSolution(lab, 'metadata-ssrf', term);

      const again = await run(attack[0]!);
      expect(again).toMatch(/^__rc=22$/m);
      expect(again).not.toMatch(/^paranoid-node-role$/m);
      const denied = await run(attack[2]!);
      expect(denied).toContain('Unable to locate credentials.');
      expect(denied).toMatch(/^__rc=253$/m);
      const verify = steps.blocks('04-verify.md');
      expect(verify).toHaveLength(3);
      expect(await run(verify[0]!)).toContain(
        'failed to fetch http://169.254.169.254/latest/meta-data/iam/security-credentials/: dial tcp 169.254.169.254:80: i/o timeout',
      );
      expect(await run(verify[1]!)).toContain('"sku":"TEE-01"');
      const pod = await run(verify[2]!);
      expect(pod).toMatch(/^401$/m);
      expect(pod).toContain('curl: (28) Operation timed out after 3001 milliseconds with 0 bytes received');
    },
    SLOW,
  );
});
