/**
 * What a step's Markdown asks the learner to run, and what the scenario's attack says
 * it steals: read from the scenario's own files, so a new scenario needs no code here.
 */
import type { Attack } from '@paranoid/schema/scenario.ts';

/**
 * The commands of every ```` ```sh run ```` block, in order, each as the learner types it
 * (a line continued with a trailing backslash stays one command, its lines kept).
 */
export function runnableCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^[ \t]*```sh run[ \t]*\n([\s\S]*?)^[ \t]*```/gm)) {
    let pending = '';
    for (const raw of block[1]!.split('\n')) {
      const line = raw.trim();
      if (!pending && (!line || line.startsWith('#'))) continue;
      pending = pending ? `${pending}\n${line}` : line;
      if (!line.endsWith('\\')) {
        commands.push(pending);
        pending = '';
      }
    }
    if (pending) commands.push(pending);
  }
  return commands;
}

/** `kubectl exec -it` and the like: a command that opens a shell the learner must leave. */
export function isInteractive(command: string): boolean {
  return /\s(-it|-ti|--tty)(\s|=)/.test(command);
}

/** What kubectl prints when the API server admits an object on `--dry-run=server`. */
const ADMITTED = /created \(server dry run\)/;

/**
 * What the attack's probes count as stolen (`stdoutContains`, `bodyContains`,
 * `stdoutMatches`), as patterns to look for in what the learner's terminal printed. A
 * `dry-run` probe works when admission lets its object in, which kubectl shows as
 * "created (server dry run)".
 */
export function lootPatterns(attack: readonly Attack[]): RegExp[] {
  const patterns: RegExp[] = [];
  for (const { probe } of attack) {
    if (probe.kind === 'dry-run' && !patterns.includes(ADMITTED)) patterns.push(ADMITTED);
    const when = ('succeedsWhen' in probe ? probe.succeedsWhen : undefined) as
      | { stdoutContains?: string; bodyContains?: string; stdoutMatches?: string }
      | undefined;
    for (const literal of [when?.stdoutContains, when?.bodyContains]) {
      if (literal) patterns.push(new RegExp(literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
    if (when?.stdoutMatches) patterns.push(new RegExp(when.stdoutMatches, 'm'));
  }
  return patterns;
}
