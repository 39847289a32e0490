import { describe, expect, it } from 'vitest';
import type { LearnerProgress, MemberRecord, WorkshopRecord } from './progress-store.ts';
import { buildRoster, type ScenarioOutline } from './roster.ts';

const MIN = 60_000;
const workshop: WorkshopRecord = {
  id: 'w',
  joinCode: 'AAAAA-AAAAA',
  title: 'W',
  trackId: null,
  scenarioIds: ['net', 'rbac'],
  seats: 10,
  startsAt: 0,
  endsAt: 600 * MIN,
  sessionMinutes: 60,
  solutionsAllowed: true,
  stuckMinutes: 10,
  createdAt: 0,
  endedAt: null,
  broadcast: null,
  broadcastAt: null,
};
const outlines = new Map<string, ScenarioOutline>([
  [
    'net',
    {
      id: 'net',
      title: 'Net',
      steps: [
        { id: 'explore', title: 'Look', checks: [] },
        { id: 'fix', title: 'Fence it', checks: ['a', 'b'] },
        { id: 'verify', title: 'Prove it', checks: ['c'] },
      ],
      checks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    },
  ],
  [
    'rbac',
    { id: 'rbac', title: 'RBAC', steps: [{ id: 'fix', title: 'Bind less', checks: ['x'] }], checks: [{ id: 'x' }] },
  ],
]);
const member = (learnerId: string, joinedAt = 0): MemberRecord => ({
  workshopId: 'w',
  learnerId,
  displayName: learnerId,
  joinedAt,
});
const row = (learnerId: string, scenarioId: string, over: Partial<LearnerProgress> = {}): LearnerProgress => ({
  learnerId,
  scenarioId,
  checks: {},
  hintsRevealed: [],
  solutionRevealed: false,
  completedAt: null,
  startedAt: 0,
  updatedAt: 0,
  ...over,
});

describe('the roster', () => {
  it('places a learner on the first step whose checks do not all pass', () => {
    const r = buildRoster({
      workshop,
      members: [member('ada')],
      progress: [row('ada', 'net', { checks: { a: true, b: true, c: false }, updatedAt: 5 * MIN })],
      scenarios: outlines,
      live: [],
      now: 6 * MIN,
    });
    expect(r.learners[0]!.current).toEqual({
      scenarioId: 'net',
      title: 'Net',
      step: { index: 2, count: 3, title: 'Prove it' },
      checksPassed: 2,
      checksTotal: 3,
      completed: false,
    });
  });

  it('follows the live session over the last scenario touched', () => {
    const r = buildRoster({
      workshop,
      members: [member('ada')],
      progress: [row('ada', 'net', { updatedAt: 5 * MIN })],
      scenarios: outlines,
      live: [{ learnerId: 'ada', scenarioId: 'rbac', createdAt: 6 * MIN }],
      now: 7 * MIN,
    });
    expect(r.learners[0]!.current).toMatchObject({ scenarioId: 'rbac', step: { index: 0, title: 'Bind less' } });
    expect(r.scenarios.find((s) => s.scenarioId === 'rbac')).toMatchObject({ inProgress: 1, notStarted: 0 });
  });

  it('marks stuck after stuckMinutes without a change, but never one who finished or a workshop that ended', () => {
    const input = {
      workshop,
      members: [member('idle'), member('done')],
      progress: [
        row('done', 'net', { completedAt: 2 * MIN, updatedAt: 2 * MIN }),
        row('done', 'rbac', { completedAt: 3 * MIN, updatedAt: 3 * MIN }),
      ],
      scenarios: outlines,
      live: [],
    };
    const at = (now: number, w = workshop) =>
      Object.fromEntries(buildRoster({ ...input, workshop: w, now }).learners.map((l) => [l.learnerId, l.stuck]));
    expect(at(10 * MIN - 1)).toEqual({ idle: false, done: false });
    expect(at(10 * MIN)).toEqual({ idle: true, done: false });
    expect(at(60 * MIN, { ...workshop, endedAt: 30 * MIN })).toEqual({ idle: false, done: false });
  });

  it('counts time from first start to completion, or to now while a session runs', () => {
    const r = buildRoster({
      workshop,
      members: [member('ada')],
      progress: [
        row('ada', 'net', { startedAt: 1 * MIN, completedAt: 11 * MIN, updatedAt: 11 * MIN }),
        row('ada', 'rbac', { startedAt: 12 * MIN, updatedAt: 13 * MIN }),
      ],
      scenarios: outlines,
      live: [{ learnerId: 'ada', scenarioId: 'rbac', createdAt: 12 * MIN }],
      now: 20 * MIN,
    });
    expect(r.learners[0]!.timeSpentMs).toBe(10 * MIN + 8 * MIN);
    expect(r.learners[0]!.completed).toBe(1);
  });
});
