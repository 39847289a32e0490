import { type Track, TrackSchema } from '@paranoid/api/track.ts';
import { type Problem, problemsFromZod } from './problem.ts';

/**
 * Validates one parsed track file against the format (`@paranoid/api/track.ts`, which the site's
 * build reads tracks with too) and what the format cannot see: the id equals the
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
