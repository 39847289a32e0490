import { z } from 'zod';
import { InstructorWorkshopView } from './workshops.ts';

/** One learner of a workshop as the instructor's roster shows them. */
export const RosterLearner = z.object({
  learnerId: z.string(),
  displayName: z.string(),
  joinedAt: z.number(),
  /** The scenario they are on: their live session's, else the one they touched last. */
  current: z
    .object({
      scenarioId: z.string(),
      title: z.string(),
      /** The first step whose checks do not all pass yet; null once every check passes. */
      step: z.object({ index: z.number().int(), count: z.number().int(), title: z.string() }).nullable(),
      checksPassed: z.number().int(),
      checksTotal: z.number().int(),
      completed: z.boolean(),
    })
    .nullable(),
  /** Scenarios of the workshop completed, by the runner's own grade. */
  completed: z.number().int(),
  hintsRevealed: z.number().int(),
  solutionsRevealed: z.number().int(),
  /** Summed over scenarios, from first start to completion (or to now while a session runs). */
  timeSpentMs: z.number(),
  lastActivityAt: z.number(),
  live: z.boolean(),
  /** Nothing has changed for the workshop's `stuckMinutes`, and they have not finished. */
  stuck: z.boolean(),
});
/** One learner of a workshop as the instructor's roster shows them. */
export type RosterLearner = z.infer<typeof RosterLearner>;

/** How many learners of a workshop are where on one scenario. */
export const ScenarioSummaryRow = z.object({
  scenarioId: z.string(),
  title: z.string(),
  notStarted: z.number().int(),
  inProgress: z.number().int(),
  completed: z.number().int(),
  stuck: z.number().int(),
});
/** How many learners of a workshop are where on one scenario. */
export type ScenarioSummaryRow = z.infer<typeof ScenarioSummaryRow>;

/** `GET /api/workshops/:id/roster`: the instructor's roster, computed from what the runner recorded. */
export const Roster = z.object({
  workshopId: z.string(),
  generatedAt: z.number(),
  learners: z.array(RosterLearner),
  scenarios: z.array(ScenarioSummaryRow),
});
/** The instructor's roster. */
export type Roster = z.infer<typeof Roster>;

/** Each event of `GET /api/workshops/:id/roster/stream`: the workshop and its roster, on every change. */
export const RosterUpdate = z.object({ workshop: InstructorWorkshopView, roster: Roster });
/** Each event of the live roster stream. */
export type RosterUpdate = z.infer<typeof RosterUpdate>;
