import type { z } from 'zod';

/** One thing wrong in a scenario folder, written for its author. */
export interface Problem {
  /** Path relative to the scenarios directory: `exposed-dashboard/scenario.yaml`. */
  file: string;
  /** Field path inside the file: `checks[2].level`; '' for the whole file. */
  field: string;
  /** What the schema wanted. */
  expected: string;
  /** What the file has. */
  found: string;
}

/** `file: field: expected X but found Y` — one line per problem. */
export function formatProblem(p: Problem): string {
  const where = p.field === '' ? p.file : `${p.file}: ${p.field}`;
  return `${where}: expected ${p.expected} but found ${p.found}`;
}

/** `checks[2].level` from a zod path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** A short rendering of a value for a message: strings quoted, objects abbreviated. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0
      ? 'an empty object'
      : `an object with ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', ...' : ''}`;
  }
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let here: unknown = root;
  for (const part of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<PropertyKey, unknown>)[part];
  }
  return here;
}

/**
 * Turns every zod issue into a {@link Problem}, reading the offending value from
 * the input itself so each message says what was found, not only what was wanted.
 */
export function problemsFromZod(file: string, input: unknown, error: z.ZodError): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0) {
      // Report the branch that got furthest rather than "invalid input": the author meant one of them.
      const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
      for (const inner of best) {
        const path = [...issue.path, ...inner.path];
        problems.push(toProblem(file, input, { ...inner, path } as z.core.$ZodIssue));
      }
      continue;
    }
    problems.push(toProblem(file, input, issue));
  }
  return problems;
}

function toProblem(file: string, input: unknown, issue: z.core.$ZodIssue): Problem {
  const found = valueAt(input, issue.path);
  const field = fieldPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return { file, field, expected: issue.expected, found: describeValue(found) };
    case 'invalid_value':
      return {
        file,
        field,
        expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`,
        found: describeValue(found),
      };
    case 'unrecognized_keys':
      return {
        file,
        field,
        expected: 'only the documented fields',
        found: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`,
      };
    case 'too_small':
      return {
        file,
        field,
        expected: issue.message.startsWith('Too small') ? `at least ${String(issue.minimum)}` : issue.message,
        found: describeValue(found),
      };
    case 'invalid_union':
      return { file, field, expected: 'one of the documented forms', found: describeValue(found) };
    default:
      return {
        file,
        field,
        expected: issue.message.replace(/^Invalid (input|string): ?/, '') || issue.code,
        found: describeValue(found),
      };
  }
}
