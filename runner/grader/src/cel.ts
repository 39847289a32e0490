import { Environment } from '@marcbachmann/cel-js';
import { asLabelSelector, matchesLabelSelector } from '@paranoid/k8s/label-selector.ts';
import { parseImageRef } from './image-ref.ts';

/**
 * The CEL environment checks are written in. Besides standard CEL (macros,
 * optionals with `.?`), it offers helpers for Kubernetes semantics that are
 * awkward in CEL; they encode how Kubernetes behaves, never a scenario's answer.
 *
 * - `labelSelectorMatches(selector, labels)`: a metav1.LabelSelector (matchLabels,
 *   matchExpressions); an empty selector matches everything.
 * - `mapSelectorMatches(selector, labels)`: a Service/RC style map selector; an
 *   empty or missing one matches nothing.
 * - `imageRef(image)`: `{registry, path, repository, tag, digest}` normalised as
 *   the kubelet does (`nginx` → `docker.io/library/nginx`).
 * - `boolFlag(args, name, default)`: the effective value of a Go (pflag) boolean
 *   flag in an argv: the last occurrence wins, `--x` means true, `--x=false` false.
 * - `base64Decode(s)`: the decoded text ('' when it is not base64).
 */
let shared: Environment | undefined;

export function celEnvironment(): Environment {
  if (shared) return shared;
  shared = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
  })
    .registerFunction('labelSelectorMatches(dyn, dyn): bool', (selector: unknown, labels: unknown) =>
      labelSelectorMatches(asRecord(selector), asStringMap(labels)),
    )
    .registerFunction('mapSelectorMatches(dyn, dyn): bool', (selector: unknown, labels: unknown) =>
      mapSelectorMatches(asStringMap(selector), asStringMap(labels)),
    )
    .registerFunction('imageRef(string): map', (image: string) => ({ ...parseImageRef(image) }))
    .registerFunction('boolFlag(dyn, string, bool): bool', (args: unknown, name: string, fallback: boolean) =>
      boolFlag(Array.isArray(args) ? args.map(String) : [], name, fallback),
    )
    .registerFunction('base64Decode(string): string', (text: string) => base64Decode(text));
  return shared;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (value instanceof Map) return Object.fromEntries(value);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function asStringMap(value: unknown): Record<string, string> {
  const record = asRecord(value) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) out[k] = String(v);
  return out;
}

/** metav1.LabelSelector semantics; an absent selector matches nothing. */
export function labelSelectorMatches(
  selector: Record<string, unknown> | undefined,
  labels: Record<string, string>,
): boolean {
  return selector === undefined ? false : matchesLabelSelector(asLabelSelector(selector), labels);
}

/** Service selector semantics: every pair must match; empty selects nothing. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go strconv.ParseBool over every `--name` / `--name=v` / `-name` occurrence; the last valid one wins. */
export function boolFlag(args: string[], name: string, fallback: boolean): boolean {
  let value = fallback;
  for (const arg of args) {
    const bare = arg.replace(/^--?/, '');
    if (bare === arg) continue;
    if (bare === name) value = true;
    else if (bare.startsWith(`${name}=`)) {
      const v = bare.slice(name.length + 1);
      if (TRUE.has(v)) value = true;
      else if (FALSE.has(v)) value = false;
    }
  }
  return value;
}

export function base64Decode(text: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(atob(text.replace(/\s+/g, '')), (c) => c.charCodeAt(0)),
    );
  } catch {
    return '';
  }
}
