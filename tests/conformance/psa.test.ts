/**
 * Pod Security Admission conformance: every upstream fixture for v1.0–v1.32, both
 * levels, pass and fail, judged as upstream's test/run.go judges them (pod create
 * must be admitted / rejected with the expected reason; the same pod in a
 * Deployment must be admitted, warned about exactly when the pod fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedSim } from '../support/sim.ts';
import { httpPsaTransport, startPolicySim } from './support-http.ts';
import { judgeFixture, loadFixtures, type PsaFixture, type PsaTransport } from './support-psa.ts';
import { pureTransport } from './support-pure.ts';

/** `pure` judges the plugin in-process (fast, for working on the policy); the default goes over HTTP. */
const PURE = process.env.PARANOID_CONFORMANCE_TRANSPORT === 'pure';

const fixtures = loadFixtures();
const groups = new Map<string, PsaFixture[]>();
for (const f of fixtures) {
  const key = `${f.level} ${f.version}`;
  groups.set(key, [...(groups.get(key) ?? []), f]);
}

let passed = 0;
let sim: StartedSim | undefined;
let transport: PsaTransport;

beforeAll(async () => {
  if (PURE) transport = pureTransport();
  else {
    sim = await startPolicySim();
    transport = httpPsaTransport(sim);
  }
});

afterAll(async () => {
  console.log(`psa: ${passed}/${fixtures.length}`);
  await sim?.close();
});

describe('Pod Security Admission fixtures', () => {
  for (const [key, list] of groups) {
    it(`judges every ${key} fixture as upstream does`, async () => {
      const failures: string[] = [];
      for (const f of list) {
        const why = await judgeFixture(f, transport);
        if (why) failures.push(`${f.file}: ${why}`);
        else passed++;
      }
      expect(failures).toEqual([]);
    });
  }
});
