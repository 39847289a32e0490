import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Track } from '@paranoid/api/track.ts';
import type { Problem } from '@paranoid/schema/problem.ts';
import { checkTrack } from '@paranoid/schema/track.ts';
import { parse } from 'yaml';

/** Every track file under `dir` (content/tracks), validated against the scenario ids that exist. */
export function loadTracks(
  dir: string,
  knownScenarios: ReadonlySet<string>,
  root = dir,
): { tracks: Track[]; files: { id: string; file: string; problems: Problem[] }[] } {
  if (!existsSync(dir)) return { tracks: [], files: [] };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const tracks: Track[] = [];
  const out: { id: string; file: string; problems: Problem[] }[] = [];
  for (const name of files) {
    const path = join(dir, name);
    const file = relative(root, path) || name;
    const id = basename(name, '.yaml');
    let input: unknown;
    try {
      input = parse(readFileSync(path, 'utf8'));
    } catch (error) {
      out.push({
        id,
        file,
        problems: [{ file, field: '', expected: 'valid YAML', found: (error as Error).message.split('\n')[0] ?? '' }],
      });
      continue;
    }
    const { track, problems } = checkTrack(file, input, id, knownScenarios);
    out.push({ id, file, problems });
    if (track && problems.length === 0) tracks.push(track);
  }
  return { tracks, files: out };
}

/** Tracks for the runner, read once per call: a track file changes only with a new checkout. */
export class FsTracks {
  private cache: Track[] | undefined;
  constructor(
    private readonly dir: string,
    private readonly knownScenarios: () => Promise<ReadonlySet<string>>,
  ) {}

  async list(): Promise<Track[]> {
    this.cache ??= loadTracks(this.dir, await this.knownScenarios()).tracks;
    return this.cache;
  }

  async get(id: string): Promise<Track | undefined> {
    return (await this.list()).find((t) => t.id === id);
  }
}
