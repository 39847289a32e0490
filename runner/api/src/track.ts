import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9-]+$/, 'an id of lower-case letters, digits and -');

/**
 * One scenario on a track. A bare id is shorthand for a required scenario:
 * `- missing-networkpolicy` means `- {id: missing-networkpolicy, required: true}`.
 */
export const TrackScenarioSchema = z
  .union([
    id,
    z
      .object({
        /** A scenario id: the name of a folder under `scenarios/`. */
        id,
        /** Optional scenarios are offered along the way but not needed to finish the track. */
        required: z.boolean().default(true),
      })
      .strict(),
  ])
  .transform((s) => (typeof s === 'string' ? { id: s, required: true } : s));

/**
 * `content/tracks/<id>.yaml`: an ordered path of scenarios for one kind of learner. The one
 * definition of the format: `paranoid lint` and the runner read tracks with it
 * (`@paranoid/schema/track.ts` adds the checks across files), and the site's build reads
 * the same files with it, so a track one accepts the other cannot refuse.
 */
export const TrackSchema = z
  .object({
    /** Equals the file name without `.yaml`. */
    id,
    title: z.string().min(1),
    /** One or two sentences for the track list. */
    summary: z.string().min(1),
    /** Who it is for: "engineers new to Kubernetes security". */
    audience: z.string().min(1),
    /** Estimated time for the required scenarios, in minutes. */
    minutes: z
      .number()
      .int()
      .positive()
      .max(100 * 60),
    /** In the order a learner should play them; at least one required. */
    scenarios: z.array(TrackScenarioSchema).min(1, 'at least one scenario'),
  })
  .strict();

/** A track file as parsed: its id, title, summary and scenarios in order. */
export type Track = z.output<typeof TrackSchema>;
/** One scenario entry of a track. */
export type TrackScenario = Track['scenarios'][number];

/** A track as the API sends it: the file's fields with every scenario written out (`GET /api/tracks/:id`). */
export const TrackView = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  audience: z.string(),
  minutes: z.number(),
  scenarios: z.array(z.object({ id: z.string(), required: z.boolean() })),
});

/** `GET /api/tracks`: every track that passed its checks. */
export const TracksResponse = z.object({ tracks: z.array(TrackView) });

/** `GET /api/tracks/:id`. */
export const TrackResponse = z.object({ track: TrackView });
