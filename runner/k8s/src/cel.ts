/**
 * The one CEL of the project, in two layers, both defined here:
 *
 * 1. {@link kubernetesCelEnvironment}: the language of ValidatingAdmissionPolicy, as
 *    kube-apiserver 1.32 has it. Standard CEL from cel-js (has(), all/exists/exists_one/
 *    map/filter, size, contains, startsWith, endsWith, matches, split, join, trim,
 *    lowerAscii, upperAscii, optionals with `.?`) plus the Kubernetes libraries
 *    (k8s.io/apiserver/pkg/cel/library) that scenarios reach for: regex find/findAll,
 *    string replace/charAt, list isSorted/sum/min/max/indexOf/lastIndexOf, quantities
 *    (`quantity()`, `isQuantity()` and the Quantity methods), and the `authorizer`
 *    checks (group/resource/subresource/namespace/name/path → check(verb)). The
 *    simulator evaluates admission policies here, so a policy that works on the
 *    simulator works on a real cluster, and one that uses anything else fails on both.
 * 2. {@link celEnvironment}: what scenario checks are written in: all of the above, plus
 *    a few functions for Kubernetes semantics that are awkward in CEL. They encode how
 *    Kubernetes behaves, never a scenario's answer, and they exist only for checks (a
 *    check that uses one cannot be exported as an admission policy):
 *    - `labelSelectorMatches(selector, labels)`: a metav1.LabelSelector (matchLabels,
 *      matchExpressions); an empty selector matches everything, an absent one nothing.
 *    - `mapSelectorMatches(selector, labels)`: a Service/RC style map selector; an
 *      empty or missing one matches nothing.
 *    - `imageRef(image)`: `{registry, path, repository, tag, digest}` normalised as the
 *      kubelet does (`nginx` → `docker.io/library/nginx`).
 *    - `boolFlag(args, name, default)`: the effective value of a Go (pflag) boolean flag
 *      in an argv: the last occurrence wins, `--x` means true, `--x=false` false.
 *    - `base64Decode(s)`: the decoded text ('' when it is not base64).
 *    - `dockerfile(text)`: the instructions of a Dockerfile as `dockerfile-ast` parses them
 *      (`{keyword, args, text, flags, line, stage, as}`, see `dockerfile.ts`); an error when
 *      the text passes the Dockerfile bounds.
 */
import { Environment } from '@marcbachmann/cel-js';
import { parseDockerfile } from './dockerfile.ts';
import { parseImageRef } from './image-ref.ts';
import { asLabelSelector, matchesLabelSelector } from './label-selector.ts';
import { milli } from './quantity.ts';

/** The functions only checks have (see the module comment); an exporter must skip checks that call them. */
export const CHECK_ONLY_FUNCTIONS = [
  'labelSelectorMatches',
  'mapSelectorMatches',
  'imageRef',
  'boolFlag',
  'base64Decode',
  'dockerfile',
] as const;

/** A resource.Quantity as CEL sees it (`quantity("500m")`). */
export class Quantity {
  constructor(readonly milli: bigint) {}
}

function toQuantity(s: string): Quantity {
  const v = milli(s);
  if (v === undefined)
    throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return new Quantity(v);
}

/** What an authorization check asks; the library fills it step by step. */
export interface AuthorizationQuery {
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
  verb?: string;
}

type Check = (query: AuthorizationQuery) => { allowed: boolean; reason: string };

/** `authorizer` in a policy: checks for the requesting user (k8s CEL authz library). */
export class CelAuthorizer {
  readonly requestResource: ResourceCheck;
  constructor(
    readonly check: Check,
    request: AuthorizationQuery,
  ) {
    this.requestResource = new ResourceCheck(check, request);
  }
}

/** `authorizer.group(..).resource(..)...`: an authorization question being built, step by step. */
export class ResourceCheck {
  constructor(
    readonly check: Check,
    readonly query: AuthorizationQuery,
  ) {}
}

/** The answer to `ResourceCheck.check(verb)`: `allowed()` and `reason()`. */
export class Decision {
  constructor(
    readonly isAllowed: boolean,
    readonly why: string,
  ) {}
}

const AUTHZ = 'kubernetes.authorization';

const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : (a as number) < (b as number) ? -1 : 1);

/** The admission policy language: a cel-js environment with Kubernetes' variables open (dyn) and its libraries. */
export function kubernetesCelEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
  });
  env.registerType('Quantity', Quantity);
  env.registerType(`${AUTHZ}.ResourceCheck`, ResourceCheck);
  env.registerType(`${AUTHZ}.Decision`, Decision);
  env.registerType({
    name: `${AUTHZ}.Authorizer`,
    ctor: CelAuthorizer,
    fields: { requestResource: `${AUTHZ}.ResourceCheck` },
  });
  const step = (field: keyof AuthorizationQuery) => (r: ResourceCheck, v: string) =>
    new ResourceCheck(r.check, { ...r.query, [field]: v });
  env
    .registerFunction(
      `${AUTHZ}.Authorizer.group(string): ${AUTHZ}.ResourceCheck`,
      (a: CelAuthorizer, g: string) => new ResourceCheck(a.check, { group: g }),
    )
    .registerFunction(
      `${AUTHZ}.Authorizer.path(string): ${AUTHZ}.ResourceCheck`,
      (a: CelAuthorizer, p: string) => new ResourceCheck(a.check, { path: p }),
    )
    .registerFunction(`${AUTHZ}.ResourceCheck.resource(string): ${AUTHZ}.ResourceCheck`, step('resource'))
    .registerFunction(`${AUTHZ}.ResourceCheck.subresource(string): ${AUTHZ}.ResourceCheck`, step('subresource'))
    .registerFunction(`${AUTHZ}.ResourceCheck.namespace(string): ${AUTHZ}.ResourceCheck`, step('namespace'))
    .registerFunction(`${AUTHZ}.ResourceCheck.name(string): ${AUTHZ}.ResourceCheck`, step('name'))
    .registerFunction(`${AUTHZ}.ResourceCheck.check(string): ${AUTHZ}.Decision`, (r: ResourceCheck, verb: string) => {
      const d = r.check({ ...r.query, verb });
      return new Decision(d.allowed, d.reason);
    })
    .registerFunction(`${AUTHZ}.Decision.allowed(): bool`, (d: Decision) => d.isAllowed)
    .registerFunction(`${AUTHZ}.Decision.reason(): string`, (d: Decision) => d.why)
    .registerFunction(`${AUTHZ}.Decision.errored(): bool`, () => false)
    .registerFunction(`${AUTHZ}.Decision.error(): string`, () => '');
  env
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      let out = s;
      let from = 0;
      for (let i = 0n; n < 0n || i < n; i++) {
        const at = out.indexOf(a, from);
        if (at < 0 || a === '') break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length;
      }
      return out;
    })
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => s.charAt(Number(i)))
    .registerFunction('string.find(string): string', (s: string, re: string) => new RegExp(re).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) =>
      [...s.matchAll(new RegExp(re, 'g'))].map((m) => m[0]),
    )
    .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
      const all = [...s.matchAll(new RegExp(re, 'g'))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    })
    .registerFunction('list.isSorted(): bool', (l: unknown[]) => l.every((x, i) => i === 0 || cmp(l[i - 1], x) <= 0))
    .registerFunction('list.sum(): dyn', (l: unknown[]) =>
      l.length === 0 ? 0n : l.reduce((a, b) => (a as number) + (b as number)),
    )
    .registerFunction('list.min(): dyn', (l: unknown[]) => {
      if (l.length === 0) throw new Error('min called on empty list');
      return l.reduce((a, b) => (cmp(b, a) < 0 ? b : a));
    })
    .registerFunction('list.max(): dyn', (l: unknown[]) => {
      if (l.length === 0) throw new Error('max called on empty list');
      return l.reduce((a, b) => (cmp(b, a) > 0 ? b : a));
    })
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], x: unknown) => BigInt(l.indexOf(x)))
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], x: unknown) => BigInt(l.lastIndexOf(x)))
    .registerFunction('isQuantity(string): bool', (s: string) => milli(s) !== undefined)
    .registerFunction('quantity(string): Quantity', toQuantity)
    .registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.milli > b.milli)
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.milli < b.milli)
    .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) =>
      a.milli === b.milli ? 0n : a.milli < b.milli ? -1n : 1n,
    )
    .registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => new Quantity(a.milli + b.milli))
    .registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => new Quantity(a.milli - b.milli))
    .registerFunction('Quantity.asInteger(): int', (a: Quantity) => {
      if (a.milli % 1000n !== 0n) throw new Error('cannot convert value to integer');
      return a.milli / 1000n;
    })
    .registerFunction('Quantity.asApproximateFloat(): double', (a: Quantity) => Number(a.milli) / 1000)
    .registerFunction('Quantity.isInteger(): bool', (a: Quantity) => a.milli % 1000n === 0n)
    .registerFunction('Quantity.sign(): int', (a: Quantity) => (a.milli === 0n ? 0n : a.milli < 0n ? -1n : 1n));
  return env;
}

let checks: Environment | undefined;

/** The environment scenario checks are written in: the Kubernetes libraries plus the check-only functions. */
export function celEnvironment(): Environment {
  if (checks) return checks;
  checks = kubernetesCelEnvironment()
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
    .registerFunction('base64Decode(string): string', (text: string) => base64Decode(text))
    .registerFunction('dockerfile(string): list', (text: string) => {
      const parsed = parseDockerfile(text);
      if (!parsed.ok) throw new Error(`failed to parse Dockerfile: ${parsed.error}`);
      return parsed.instructions.map((i) => ({
        ...i,
        flags: { ...i.flags },
        line: BigInt(i.line),
        stage: BigInt(i.stage),
      }));
    });
  return checks;
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

/** The text a base64 string encodes, or '' when it is not base64 of UTF-8. */
export function base64Decode(text: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(atob(text.replace(/\s+/g, '')), (c) => c.charCodeAt(0)),
    );
  } catch {
    return '';
  }
}
