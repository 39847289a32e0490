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
 * "created (server dry run)". A `sequence` is judged by its last step, the one that
 * shows the harm (the earlier ones set the stage and print the same before and after a
 * fix). `runtime-alerts` probes steal nothing: see {@link alertExpectation}.
 */
export function lootPatterns(attack: readonly Attack[]): RegExp[] {
  const patterns: RegExp[] = [];
  type Probe = Attack['probe'];
  const add = (probe: Probe): void => {
    if (probe.kind === 'sequence') {
      const last = probe.steps.at(-1);
      if (last) add(last as Probe);
      return;
    }
    if (probe.kind === 'dry-run' && !patterns.includes(ADMITTED)) patterns.push(ADMITTED);
    const when = ('succeedsWhen' in probe ? probe.succeedsWhen : undefined) as
      | { stdoutContains?: string; bodyContains?: string; stdoutMatches?: string }
      | string
      | undefined;
    if (typeof when !== 'object') return;
    for (const literal of [when.stdoutContains, when.bodyContains]) {
      if (literal) patterns.push(new RegExp(literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
    if (when.stdoutMatches) patterns.push(new RegExp(when.stdoutMatches, 'm'));
  };
  for (const { probe } of attack) add(probe);
  return patterns;
}

/** Falco's priorities, most severe first. */
const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

/**
 * For a scenario whose attack is "nobody noticed" (`runtime-alerts` probes that succeed
 * when unnoticed), what the learner's terminal shows of the agent's alerts: JSON alert
 * lines at or above a priority. The attack itself works before and after the fix; what
 * the fix changes is that the agent's log, which the attack step reads, has such lines:
 * none at `quiet` before, some at `seen` after. Undefined when the attack is not of that kind.
 */
export function alertExpectation(attack: readonly Attack[]): { quiet: RegExp; seen: RegExp } | undefined {
  const probes = attack.map((a) => a.probe).filter((p) => p.kind === 'runtime-alerts');
  if (probes.length === 0 || probes.length !== attack.length) return undefined;
  if (probes.some((p) => p.succeedsWhen !== 'unnoticed')) return undefined;
  const at = (index: number) => new RegExp(`"priority":\\s*"(${PRIORITIES.slice(0, index + 1).join('|')})"`);
  const thresholds = probes.map((p) => PRIORITIES.indexOf(p.minPriority));
  // Before the fix nothing at the least severe threshold a probe holds the agent to; after it, alerts at the most severe.
  return { quiet: at(Math.max(...thresholds)), seen: at(Math.min(...thresholds)) };
}
