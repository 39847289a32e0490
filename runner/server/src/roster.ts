import type { Roster, RosterLearner, ScenarioSummaryRow } from '@paranoid/api/roster.ts';
import type { LearnerProgress, MemberRecord, WorkshopRecord } from './progress-store.ts';

/** What the roster needs to know of a scenario: its title, steps and checks, in order. */
export interface ScenarioOutline {
  id: string;
  title: string;
  steps: { id: string; title: string; checks: string[] }[];
  checks: { id: string }[];
}

/** A session that is running now, as the roster sees it. */
export interface LiveSession {
  learnerId: string;
  scenarioId: string;
  createdAt: number;
}

/**
 * The instructor's roster, computed from what the runner recorded: pure, so it is
 * tested under a pinned clock and shared by the API, the live stream and the bench.
 */
export function buildRoster(input: {
  workshop: WorkshopRecord;
  members: MemberRecord[];
  progress: LearnerProgress[];
  scenarios: ReadonlyMap<string, ScenarioOutline>;
  live: LiveSession[];
  now: number;
}): Roster {
  const { workshop, now } = input;
  const byLearner = new Map<string, LearnerProgress[]>();
  for (const p of input.progress) {
    if (!workshop.scenarioIds.includes(p.scenarioId)) continue;
    const list = byLearner.get(p.learnerId) ?? [];
    list.push(p);
    byLearner.set(p.learnerId, list);
  }
  const liveBy = new Map<string, LiveSession>();
  for (const s of input.live) {
    const seen = liveBy.get(s.learnerId);
    if (!seen || s.createdAt > seen.createdAt) liveBy.set(s.learnerId, s);
  }
  const stuckAfter = workshop.stuckMinutes * 60_000;
  const learners = input.members.map((m): RosterLearner => {
    const rows = byLearner.get(m.learnerId) ?? [];
    const live = liveBy.get(m.learnerId);
    const latest = rows.reduce<LearnerProgress | undefined>(
      (a, b) => (!a || b.updatedAt > a.updatedAt ? b : a),
      undefined,
    );
    const currentId = live?.scenarioId ?? latest?.scenarioId;
    const completed = rows.filter((r) => r.completedAt !== null).length;
    const lastActivityAt = Math.max(m.joinedAt, live?.createdAt ?? 0, ...rows.map((r) => r.updatedAt));
    const finished = completed >= workshop.scenarioIds.length;
    const timeSpentMs = rows.reduce((sum, r) => {
      if (r.startedAt === null) return sum;
      const end = r.completedAt ?? (live?.scenarioId === r.scenarioId ? now : r.updatedAt);
      return sum + Math.max(0, end - r.startedAt);
    }, 0);
    return {
      learnerId: m.learnerId,
      displayName: m.displayName,
      joinedAt: m.joinedAt,
      current: currentId
        ? position(
            currentId,
            rows.find((r) => r.scenarioId === currentId),
            input.scenarios,
          )
        : null,
      completed,
      hintsRevealed: rows.reduce((n, r) => n + r.hintsRevealed.length, 0),
      solutionsRevealed: rows.filter((r) => r.solutionRevealed).length,
      timeSpentMs,
      lastActivityAt,
      live: live !== undefined,
      stuck: workshop.endedAt === null && !finished && now - lastActivityAt >= stuckAfter,
    };
  });
  const scenarios = workshop.scenarioIds.map((id): ScenarioSummaryRow => {
    const row = {
      scenarioId: id,
      title: input.scenarios.get(id)?.title ?? id,
      notStarted: 0,
      inProgress: 0,
      completed: 0,
      stuck: 0,
    };
    for (const l of learners) {
      const p = byLearner.get(l.learnerId)?.find((r) => r.scenarioId === id);
      if (p?.completedAt != null) row.completed++;
      else if (p || l.current?.scenarioId === id) {
        row.inProgress++;
        if (l.stuck && l.current?.scenarioId === id) row.stuck++;
      } else row.notStarted++;
    }
    return row;
  });
  return { workshopId: workshop.id, generatedAt: now, learners, scenarios };
}

function position(
  scenarioId: string,
  progress: LearnerProgress | undefined,
  scenarios: ReadonlyMap<string, ScenarioOutline>,
): RosterLearner['current'] {
  const outline = scenarios.get(scenarioId);
  const checks = progress?.checks ?? {};
  const checksTotal = outline?.checks.length ?? Object.keys(checks).length;
  const checksPassed = (outline?.checks ?? Object.keys(checks).map((id) => ({ id }))).filter(
    (c) => checks[c.id] === true,
  ).length;
  const steps = outline?.steps ?? [];
  const index = steps.findIndex((s) => s.checks.some((c) => checks[c] !== true));
  const completed = progress?.completedAt != null;
  return {
    scenarioId,
    title: outline?.title ?? scenarioId,
    step:
      index === -1 && checksTotal > 0 && checksPassed === checksTotal
        ? null
        : { index: Math.max(0, index), count: steps.length, title: steps[Math.max(0, index)]?.title ?? '' },
    checksPassed,
    checksTotal,
    completed,
  };
}
