import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYZER_OPTIONS, contains, createNetwork } from '@paranoid/sim/network/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, startSim } from '../support/sim.ts';
import {
  CASES_DIR,
  caseToNetwork,
  listCases,
  readCaseObjects,
  renderConnlist,
  representatives,
} from './support-netpol.ts';
import { roundTrip } from './support-netpol-api.ts';

const cases = listCases();
/** Per case, whether each variant (pure engine, through the simulator's API) matched. */
const results = new Map<string, { pure?: boolean; api?: boolean }>();
const record = (name: string, variant: 'pure' | 'api', ok: boolean) =>
  results.set(name, { ...results.get(name), [variant]: ok });

afterAll(() => {
  // A case counts when every variant that ran reproduced the analyzer's output.
  const passed = cases.filter((c) => {
    const r = results.get(c);
    return r?.pure === true && r.api !== false;
  });
  console.log(`netpol: ${passed.length}/${cases.length}`);
  expect(passed.length).toBe(cases.length);
});

/** Ports every pair is probed on, besides the destination's own container ports. */
const PROBES = [
  { port: 1, protocol: 'TCP' as const },
  { port: 65535, protocol: 'TCP' as const },
  { port: 53, protocol: 'UDP' as const },
  { port: 53, protocol: 'TCP' as const },
  { port: 9003, protocol: 'SCTP' as const },
];

describe('NetworkPolicy connectivity matches np-guard/netpol-analyzer', () => {
  for (const name of cases) {
    it(`computes the connlist of ${name}`, () => {
      const dir = join(CASES_DIR, name);
      const { objects, workloadOf } = caseToNetwork(readCaseObjects(dir));
      const actual = renderConnlist(objects, workloadOf);
      const expected = readFileSync(join(dir, 'expected_connlist.txt'), 'utf8');
      record(name, 'pure', false);
      expect(actual).toBe(expected);

      // The per-port verdicts the shell and the cluster map use must agree with the exact port sets.
      const reps = representatives(objects, workloadOf);
      const net = createNetwork(reps, ANALYZER_OPTIONS);
      const containerPorts = new Set<string>();
      for (const p of reps.pods ?? [])
        for (const c of p.spec?.containers ?? [])
          for (const cp of c.ports ?? []) containerPorts.add(`${cp.protocol ?? 'TCP'}/${cp.containerPort}`);
      const ports = [
        ...PROBES,
        ...[...containerPorts].map((k) => {
          const [protocol, port] = k.split('/') as ['TCP' | 'UDP' | 'SCTP', string];
          return { port: Number(port), protocol };
        }),
      ];
      const sets = new Map<string, ReturnType<typeof net.connections>>();
      let disagreements = 0;
      for (const e of net.reachabilityMatrix({ ports })) {
        const key = `${e.from.namespace}/${e.from.name}>${e.to.namespace}/${e.to.name}`;
        if (!sets.has(key)) sets.set(key, net.connections(e.from, e.to));
        if (contains(sets.get(key)!, e.protocol, e.port) !== e.allowed) disagreements++;
      }
      expect(disagreements).toBe(0);
      record(name, 'pure', true);
    });
  }
});

describe('NetworkPolicy connectivity matches np-guard/netpol-analyzer through the simulator API', () => {
  let sim: StartedSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim?.close();
  });

  for (const name of cases) {
    it(`computes the connlist of ${name} from objects created and read back through the API`, async () => {
      const dir = join(CASES_DIR, name);
      const { objects, workloadOf } = caseToNetwork(readCaseObjects(dir));
      record(name, 'api', false);
      const back = await roundTrip(sim, objects, workloadOf);
      expect(back.errors).toEqual([]);
      expect(back.objects.pods?.length).toBe(objects.pods?.length);
      expect(back.objects.networkPolicies?.length).toBe(objects.networkPolicies?.length);
      const expected = readFileSync(join(dir, 'expected_connlist.txt'), 'utf8');
      expect(renderConnlist(back.objects, back.workloadOf)).toBe(expected);
      record(name, 'api', true);
    });
  }
});
