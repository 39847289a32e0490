import { z } from 'zod';
import { type Problem, problemsFromZod } from './problem.ts';

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

/** `content/tracks/<id>.yaml`: an ordered path of scenarios for one kind of learner. */
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

/**
 * Validates one parsed track file and what the schema cannot see: the id equals the
 * file name, no scenario appears twice, one is required, and every id names a scenario
 * that exists (`known`). `file` is the path shown in each problem.
 */
export function checkTrack(
  file: string,
  input: unknown,
  expectedId: string,
  known: ReadonlySet<string>,
): { track?: Track; problems: Problem[] } {
  const parsed = TrackSchema.safeParse(input);
  if (!parsed.success) return { problems: problemsFromZod(file, input, parsed.error) };
  const track = parsed.data;
  const problems: Problem[] = [];
  if (track.id !== expectedId) {
    problems.push({
      file,
      field: 'id',
      expected: `the file name ${JSON.stringify(expectedId)}`,
      found: JSON.stringify(track.id),
    });
  }
  const seen = new Set<string>();
  track.scenarios.forEach((s, i) => {
    if (seen.has(s.id))
      problems.push({
        file,
        field: `scenarios[${i}]`,
        expected: 'each scenario once',
        found: `a second ${JSON.stringify(s.id)}`,
      });
    seen.add(s.id);
    if (!known.has(s.id)) {
      problems.push({
        file,
        field: `scenarios[${i}]`,
        expected: `the id of a scenario in scenarios/ (${[...known].sort().join(', ')})`,
        found: `${JSON.stringify(s.id)}, which does not exist`,
      });
    }
  });
  if (!track.scenarios.some((s) => s.required)) {
    problems.push({
      file,
      field: 'scenarios',
      expected: 'at least one required scenario',
      found: 'only optional ones',
    });
  }
  return problems.length === 0 ? { track, problems } : { track, problems };
}
