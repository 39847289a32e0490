import { writeFileSync } from 'node:fs';
import type { InstructorWorkshopView } from '@paranoid/api/workshops.ts';
import { CliError, type RunnerOptions, runnerClient } from './runner-client.ts';

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
const stdio: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Flags of `paranoid workshop create`, as strings from the command line; they are checked before the call. */
export interface CreateOptions extends RunnerOptions {
  title?: string;
  track?: string;
  scenarios?: string;
  seats?: string;
  /** Each learner's session length. */
  minutes?: string;
  starts?: string;
  ends?: string;
  solutions?: boolean;
  stuckMinutes?: string;
  json?: boolean;
}

function whole(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(`invalid ${flag} ${JSON.stringify(value)}: expected a whole number of at least ${min}`);
  }
  return n;
}

function when(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) {
    throw new CliError(`invalid ${flag} ${JSON.stringify(value)}: expected a time like 2026-03-02T14:00:00Z`);
  }
  return new Date(value).toISOString();
}

/** `paranoid workshop create`: checks what it can before asking the runner. */
export async function createWorkshop(options: CreateOptions, out: Out = stdio): Promise<number> {
  if (!options.title?.trim()) throw new CliError('--title is required');
  if ((options.track === undefined) === (options.scenarios === undefined)) {
    throw new CliError('give either --track ID or --scenarios a,b');
  }
  if (options.seats === undefined) throw new CliError('--seats is required');
  const seats = whole(options.seats, '--seats', 1)!;
  const sessionMinutes = whole(options.minutes, '--minutes', 5);
  const stuck = options.stuckMinutes === undefined ? undefined : Number(options.stuckMinutes);
  if (stuck !== undefined && !(stuck > 0)) {
    throw new CliError(`invalid --stuck-minutes ${JSON.stringify(options.stuckMinutes)}: expected a positive number`);
  }
  const scenarioIds = options.scenarios
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scenarioIds && scenarioIds.length === 0) throw new CliError('--scenarios needs at least one scenario id');
  const startsAt = when(options.starts, '--starts');
  const endsAt = when(options.ends, '--ends');
  const client = runnerClient(options);
  const { workshop } = await client.call<{ workshop: InstructorWorkshopView }>('POST', '/api/workshops', {
    title: options.title.trim(),
    ...(options.track ? { trackId: options.track } : { scenarioIds }),
    seats,
    ...(sessionMinutes ? { sessionMinutes } : {}),
    ...(startsAt ? { startsAt } : {}),
    ...(endsAt ? { endsAt } : {}),
    ...(options.solutions === false ? { solutionsAllowed: false } : {}),
    ...(stuck ? { stuckMinutes: stuck } : {}),
  });
  if (options.json) out.stdout(`${JSON.stringify(workshop, null, 2)}\n`);
  else {
    out.stdout(
      [
        `workshop ${workshop.id}: ${workshop.title}`,
        `  join code   ${workshop.joinCode}`,
        `  join URL    ${workshop.joinUrl}`,
        `  instructor  ${workshop.instructorUrl}`,
        `  seats ${workshop.seats}, sessions of ${workshop.sessionMinutes} min, ${workshop.scenarioIds.join(', ')}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}

/** Prints the runner's workshops, one line each or as JSON, and returns the exit code. */
export async function listWorkshops(options: RunnerOptions & { json?: boolean }, out: Out = stdio): Promise<number> {
  const { workshops } = await runnerClient(options).call<{ workshops: InstructorWorkshopView[] }>(
    'GET',
    '/api/workshops',
  );
  if (options.json) {
    out.stdout(`${JSON.stringify(workshops, null, 2)}\n`);
    return 0;
  }
  if (workshops.length === 0) out.stdout('no workshops yet: create one with `paranoid workshop create`\n');
  for (const w of workshops) {
    out.stdout(`${w.id}  ${w.state.padEnd(9)} ${w.joinCode}  ${w.seatsTaken}/${w.seats} seats  ${w.title}\n`);
  }
  return 0;
}

/** Ends a workshop through the runner (its sessions are deleted) and returns the exit code. */
export async function endWorkshop(id: string, options: RunnerOptions, out: Out = stdio): Promise<number> {
  const { workshop } = await runnerClient(options).call<{ workshop: InstructorWorkshopView }>(
    'POST',
    `/api/workshops/${encodeURIComponent(id)}/end`,
    {},
  );
  out.stdout(`ended workshop ${workshop.id} (${workshop.title}); its sessions are gone\n`);
  return 0;
}

/** Fetches a workshop's progress report as JSON or CSV, to stdout or a file, and returns the exit code. */
export async function workshopReport(
  id: string,
  options: RunnerOptions & { format?: string; out?: string },
  out: Out = stdio,
): Promise<number> {
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'csv') {
    throw new CliError(`invalid --format ${JSON.stringify(format)}: expected csv or json`);
  }
  const text = await runnerClient(options).text(`/api/workshops/${encodeURIComponent(id)}/report?format=${format}`);
  if (options.out) {
    writeFileSync(options.out, text);
    out.stderr(`wrote ${options.out}\n`);
  } else out.stdout(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
