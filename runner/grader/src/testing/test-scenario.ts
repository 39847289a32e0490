import { type Scenario, ScenarioSchema } from '@paranoid/schema/scenario.ts';

/** The attack a test scenario has when its test is about checks: an exec that is never run. */
const UNUSED_ATTACK = {
  id: 'a',
  title: 'a',
  probe: { kind: 'exec', pod: { namespace: 'x', name: 'y' }, command: ['true'] },
};

/**
 * The smallest scenario the schema accepts around these checks (and this attack, when the
 * test is about one): the grader's tests judge checks and attacks, not the scenario's prose.
 * `fields` adds or replaces top-level fields (an id, `runsInNamespace`).
 */
export function testScenario(
  checks: unknown[],
  attack: unknown[] = [],
  fields: Record<string, unknown> = {},
): Scenario {
  return ScenarioSchema.parse({
    id: 'test',
    title: 't',
    summary: 's',
    difficulty: 'beginner',
    minutes: 5,
    cks: ['Cluster Setup'],
    incident: { title: 'i', summary: 's', sources: [{ title: 'x', url: 'https://example.com/' }] },
    steps: [{ id: 'fix', title: 'f', kind: 'fix', file: 'steps/fix.md' }],
    attack: attack.length > 0 ? attack : [UNUSED_ATTACK],
    checks,
    ...fields,
  });
}
