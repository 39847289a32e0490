/**
 * A rule's output template: `%field` and `%field[arg]` are replaced by the event's
 * values (`<NA>` when the event has none), as Falco formats them.
 */
import type { SyscallEvent } from './event.ts';
import { fieldProblem, readField } from './fields.ts';

const TOKEN = /%([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)+)(?:\[([^\]]*)\])?/g;

/** The fields an output names; throws on one Falco does not know. */
export function outputFields(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    const problem = fieldProblem(m[1]!, m[2]);
    if (problem) throw new Error(problem);
    out.push(m[2] === undefined ? m[1]! : `${m[1]}[${m[2]}]`);
  }
  return out;
}

/** The alert's text for an event, and the field values it used (Falco's `output_fields` in JSON output). */
export function formatOutput(
  template: string,
  ev: SyscallEvent,
): { text: string; values: Record<string, string | number | boolean | null> } {
  const values: Record<string, string | number | boolean | null> = {};
  const text = template.replace(TOKEN, (_all, field: string, arg: string | undefined) => {
    const v = readField(ev, field, arg);
    values[arg === undefined ? field : `${field}[${arg}]`] = v === undefined ? null : v;
    return v === undefined || v === '' ? '<NA>' : String(v);
  });
  return { text: text.replace(/\s+/g, ' ').trim(), values };
}
