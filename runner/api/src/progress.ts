import { z } from 'zod';

/** What the lab remembers of one learner on one scenario (`GET /api/progress`, and after check, hint, solution). */
export const ScenarioProgress = z.object({
  scenarioId: z.string(),
  /** The latest verdict of each check, by check id. */
  checks: z.record(z.string(), z.boolean()),
  /** Hints the learner asked for, as `check:<id>:<index>` or `step:<id>:<index>`. */
  hintsRevealed: z.array(z.string()),
  solutionRevealed: z.boolean(),
  /** Epoch ms of the first run where every check passed, as graded by the runner. */
  completedAt: z.number().nullable(),
  /** Epoch ms of the first session on this scenario; null before one. */
  startedAt: z.number().nullable(),
  updatedAt: z.number(),
});
/** What the lab remembers of one learner on one scenario. */
export type ScenarioProgress = z.infer<typeof ScenarioProgress>;

/** `GET /api/progress`: the learner's progress on every scenario they started. */
export const ProgressResponse = z.object({ progress: z.array(ScenarioProgress) });
/** `GET /api/progress`. */
export type ProgressResponse = z.infer<typeof ProgressResponse>;

/** A learner as the runner knows them: a cookie id and the name they chose, if any. */
export const Learner = z.object({ id: z.string(), displayName: z.string().nullable(), createdAt: z.number() });
/** A learner as the runner knows them. */
export type Learner = z.infer<typeof Learner>;

/** `GET` and `PUT /api/me`: the learner, or null before the runner has seen them do anything. */
export const LearnerResponse = z.object({ learner: Learner.nullable() });
/** `GET` and `PUT /api/me`. */
export type LearnerResponse = z.infer<typeof LearnerResponse>;

/** `PUT /api/me`: the name shown to instructors; null or blank clears it. */
export const SetDisplayNameRequest = z.object({
  displayName: z.string().trim().max(40, 'displayName must be text of at most 40 characters, or null').nullable(),
});
/** `PUT /api/me`. */
export type SetDisplayNameRequest = z.input<typeof SetDisplayNameRequest>;
