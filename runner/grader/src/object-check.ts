import { celEnvironment } from '@paranoid/k8s/cel.ts';
import type { ObjectCheck } from '@paranoid/schema/check.ts';
import { unreadable } from './kubelet-configs.ts';
import type { Snapshot } from './snapshot.ts';

/** What an object check found. */
export interface ObjectCheckOutcome {
  passed: boolean;
  /** Where it failed: one entry per failing object, or why none qualified. */
  findings: string[];
}

type Compiled = (context: Record<string, unknown>) => unknown;
const compiled = new Map<string, Compiled>();

/** Parses once per process: the same expressions are graded again and again. */
function compile(expression: string): Compiled {
  let fn = compiled.get(expression);
  if (!fn) {
    fn = celEnvironment().parse(expression) as unknown as Compiled;
    compiled.set(expression, fn);
  }
  return fn;
}

interface Meta {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

const where = (o: Meta) =>
  `${o.kind ?? 'object'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`;

/** Runs one object check over a snapshot. A CEL error counts against the object, with the error said. */
export async function runObjectCheck(check: ObjectCheck, snapshot: Snapshot): Promise<ObjectCheckOutcome> {
  const all = (await snapshot.list(check.resource)) as Meta[];
  const context: Record<string, unknown> = {};
  for (const [variable, resource] of Object.entries(check.with ?? {}))
    context[variable] = await snapshot.list(resource);

  const inScope = all.filter((o) => {
    const ns = o.metadata?.namespace ?? '';
    if (check.namespaces && !check.namespaces.includes(ns)) return false;
    if (check.excludeNamespaces?.includes(ns)) return false;
    return true;
  });

  const findings: string[] = [];
  let selected = 0;
  for (const object of inScope) {
    const vars = { ...context, object };
    const unread = unreadable(object);
    if (unread !== undefined) {
      // Nothing to judge: what the grader could not read never passes.
      selected++;
      findings.push(`${where(object)}: ${unread}`);
      continue;
    }
    if (check.select !== undefined) {
      try {
        if (compile(check.select)(vars) !== true) continue;
      } catch (error) {
        findings.push(`${where(object)}: the check's select expression failed (${celError(error)})`);
        continue;
      }
    }
    selected++;
    let ok: boolean;
    try {
      ok = compile(check.rule)(vars) === true;
    } catch (error) {
      findings.push(`${where(object)}: the check's rule could not be evaluated (${celError(error)})`);
      continue;
    }
    if (ok) continue;
    let detail = where(object);
    if (check.describe !== undefined) {
      try {
        const text = compile(check.describe)(vars);
        if (typeof text === 'string' && text !== '') detail = text;
      } catch {
        // Keep the plain location: a broken describe must not hide the failure itself.
      }
    }
    findings.push(detail);
  }
  if (selected < check.min) {
    findings.push(
      selected === 0
        ? `nothing matched (expected at least ${check.min} ${check.resource})`
        : `only ${selected} matched (expected at least ${check.min} ${check.resource})`,
    );
  }
  return { passed: findings.length === 0, findings };
}

function celError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
