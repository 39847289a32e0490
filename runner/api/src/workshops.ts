import { z } from 'zod';

const time = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

/** `POST /api/workshops`: what an instructor sends to create a workshop. */
export const CreateWorkshopRequest = z
  .object({
    title: z.string().trim().min(1, 'a title').max(80, 'a title of at most 80 characters'),
    /** A track id from content/tracks; or else `scenarioIds`. */
    trackId: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
    scenarioIds: z
      .array(z.string().regex(/^[a-z0-9-]+$/))
      .min(1)
      .max(50)
      .optional(),
    seats: z.number().int().min(1, 'at least 1 seat').max(500, 'at most 500 seats'),
    /** Epoch ms or ISO 8601; default: now. */
    startsAt: time.optional(),
    /** Epoch ms or ISO 8601; default: three hours after the start. */
    endsAt: time.optional(),
    /** Life of each learner's session. */
    sessionMinutes: z.number().int().min(5).max(240).default(60),
    solutionsAllowed: z.boolean().default(true),
    /** No change for this long marks a learner stuck; fractions allowed (tests, demos). */
    stuckMinutes: z.number().min(0.01).max(240).default(10),
  })
  .strict();
/** `POST /api/workshops`, as the instructor may write it (defaults and ISO times allowed). */
export type CreateWorkshopRequest = z.input<typeof CreateWorkshopRequest>;

/** `POST /api/join`: a learner takes a seat with the join code and the name the instructor will see. */
export const JoinRequest = z.object({
  code: z.string({ error: 'code is required' }).max(100, 'code is at most 100 characters'),
  /** 1 to 40 characters once spaces are folded; checked by the runner. */
  displayName: z.string({ error: 'choose a display name of 1 to 40 characters' }),
});
/** `POST /api/join`. */
export type JoinRequest = z.infer<typeof JoinRequest>;

/** `POST /api/workshops/:id/broadcast`: a message every learner's page shows; null clears it. */
export const BroadcastRequest = z.object({
  message: z
    .string({ error: 'message must be text of at most 280 characters, or null to clear it' })
    .trim()
    .max(280, 'message must be text of at most 280 characters, or null to clear it')
    .nullable(),
});
/** `POST /api/workshops/:id/broadcast`. */
export type BroadcastRequest = z.infer<typeof BroadcastRequest>;

/** The workshop as a member sees it: no join code, no roster. */
export const LearnerWorkshopView = z.object({
  id: z.string(),
  title: z.string(),
  trackId: z.string().nullable(),
  scenarioIds: z.array(z.string()),
  startsAt: z.number(),
  endsAt: z.number(),
  endedAt: z.number().nullable(),
  sessionMinutes: z.number(),
  solutionsAllowed: z.boolean(),
  broadcast: z.object({ message: z.string(), at: z.number() }).nullable(),
  /** The name this learner joined with. */
  displayName: z.string(),
});
/** The workshop as a member sees it. */
export type LearnerWorkshopView = z.infer<typeof LearnerWorkshopView>;

/** `POST /api/join` and `GET /api/me/workshops/:id`. */
export const LearnerWorkshopResponse = z.object({ workshop: LearnerWorkshopView });
/** `POST /api/join` and `GET /api/me/workshops/:id`. */
export type LearnerWorkshopResponse = z.infer<typeof LearnerWorkshopResponse>;

/** `GET /api/me/workshops`: the workshops the learner sits in now. */
export const LearnerWorkshopsResponse = z.object({ workshops: z.array(LearnerWorkshopView) });
/** `GET /api/me/workshops`. */
export type LearnerWorkshopsResponse = z.infer<typeof LearnerWorkshopsResponse>;

/** The workshop as its instructor sees it: the stored record, its links and how full it is. */
export const InstructorWorkshopView = z.object({
  id: z.string(),
  /** Short and secret-ish: how learners find it. */
  joinCode: z.string(),
  title: z.string(),
  trackId: z.string().nullable(),
  scenarioIds: z.array(z.string()),
  seats: z.number().int(),
  startsAt: z.number(),
  endsAt: z.number(),
  /** Life of each learner's session, in minutes. */
  sessionMinutes: z.number(),
  solutionsAllowed: z.boolean(),
  /** A learner with no change for this long is marked stuck. */
  stuckMinutes: z.number(),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
  broadcast: z.string().nullable(),
  broadcastAt: z.number().nullable(),
  joinUrl: z.string(),
  instructorUrl: z.string(),
  seatsTaken: z.number().int(),
  state: z.enum(['scheduled', 'open', 'ended']),
});
/** The workshop as its instructor sees it. */
export type InstructorWorkshopView = z.infer<typeof InstructorWorkshopView>;

/** `POST /api/workshops`, `GET /api/workshops/:id`, end and broadcast. */
export const InstructorWorkshopResponse = z.object({ workshop: InstructorWorkshopView });
/** `POST /api/workshops`, `GET /api/workshops/:id`, end and broadcast. */
export type InstructorWorkshopResponse = z.infer<typeof InstructorWorkshopResponse>;

/** `GET /api/workshops`: every workshop, for the instructor. */
export const InstructorWorkshopsResponse = z.object({ workshops: z.array(InstructorWorkshopView) });
/** `GET /api/workshops`. */
export type InstructorWorkshopsResponse = z.infer<typeof InstructorWorkshopsResponse>;
