/**
 * RBAC conformance: upstream's authorizer and rule-matching expectations
 * (authorizer-vectors.json) and can-i checks against the default roles
 * (derived-default-role-vectors.json), each asked as an access review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedSim } from '../support/sim.ts';
import { httpRbacTransport, startPolicySim } from './support-http.ts';
import { pureRbacTransport } from './support-pure.ts';
import { authorizerVectors, derivedVectors, judgeVector, type RbacTransport, type RbacVector } from './support-rbac.ts';

/** `pure` asks `authorize` in-process; the default posts SubjectAccessReviews over HTTP. */
const PURE = process.env.PARANOID_CONFORMANCE_TRANSPORT === 'pure';

const suites: [string, RbacVector[]][] = [
  ['upstream authorizer and rule-matching vectors', authorizerVectors()],
  ['default-role can-i vectors', derivedVectors()],
];
const total = suites.reduce((n, [, v]) => n + v.length, 0);
let passed = 0;
let sim: StartedSim | undefined;
let transport: RbacTransport;

beforeAll(async () => {
  if (PURE) transport = pureRbacTransport();
  else {
    sim = await startPolicySim();
    transport = httpRbacTransport(sim);
  }
});

afterAll(async () => {
  console.log(`rbac: ${passed}/${total}`);
  await sim?.close();
});

describe('RBAC conformance', () => {
  for (const [name, vectors] of suites) {
    it(`decides every ${name} request as upstream does`, async () => {
      const failures: string[] = [];
      for (const v of vectors) {
        const why = await judgeVector(v, transport);
        if (why) failures.push(`${v.id}: ${why}`);
        else passed++;
      }
      expect(failures).toEqual([]);
    });
  }
});
