/**
 * Sigstore policy-controller's ClusterImagePolicy (policy.sigstore.dev/v1beta1): its glob
 * language, its defaulting, and the validation its `validating.clusterimagepolicy.sigstore.dev`
 * webhook runs, with knative's FieldError texts (pkg/apis/policy/v1beta1, pkg/apis/glob).
 */
import { parsePublicKeyPem } from './cosign-verify.ts';

/** Where an authority's public key comes from: inline PEM data or a Secret. */
export interface KeyRef {
  data?: string;
  secretRef?: { name?: string; namespace?: string };
  kms?: string;
  hashAlgorithm?: string;
}

/** An attestation a ClusterImagePolicy authority requires of an image, by predicate type. */
export interface CipAttestation {
  name?: string;
  predicateType?: string;
  policy?: { type?: string; data?: string };
}

/** One authority of a ClusterImagePolicy: a key or keyless identity an image's signature must come from. */
export interface Authority {
  name?: string;
  key?: KeyRef;
  keyless?: Record<string, unknown>;
  static?: { action?: string; message?: string };
  source?: { oci?: string }[];
  ctlog?: Record<string, unknown>;
  attestations?: CipAttestation[];
  rfc3161timestamp?: Record<string, unknown>;
}

/** Which resources a ClusterImagePolicy applies to, by group/version/resource and label selector. */
export interface MatchResource {
  group?: string;
  version?: string;
  resource?: string;
  selector?: Record<string, unknown>;
}

/** The spec of a sigstore ClusterImagePolicy: which images it covers and which authorities may sign them. */
export interface ClusterImagePolicySpec {
  images?: { glob?: string }[];
  authorities?: Authority[];
  policy?: { type?: string; data?: string };
  mode?: string;
  match?: MatchResource[];
}

/** One knative FieldError: a message, the paths it is about, optional details on the next line. */
export interface FieldError {
  message: string;
  paths: string[];
  details?: string;
  warning?: boolean;
}

/**
 * knative's FieldError.Error(): errors with the same message and details merged (their paths
 * joined), sorted by message, each `message: paths` with details on the next line.
 */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  const merged = new Map<string, FieldError>();
  for (const e of errors) {
    const key = `${e.message}\u0000${e.details ?? ''}`;
    const seen = merged.get(key);
    if (seen) seen.paths = [...new Set([...seen.paths, ...e.paths])].sort();
    else merged.set(key, { ...e, paths: [...e.paths].sort() });
  }
  return [...merged.values()]
    .sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    .map((e) => `${e.message}: ${e.paths.join(', ')}${e.details ? `\n${e.details}` : ''}`)
    .join('\n');
}

const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.]+$/;
/** Longer than any image reference the registry grammar allows (255 for the name, plus tag or digest). */
const MAX_GLOB = 1024;

/** A glob as tokens: a literal character, `*` (any run without `/`), or `**` (any run). */
type GlobToken = string | { star: 'one' | 'any' };

/**
 * glob.Compile: `*` matches within one path segment, `**` across segments, the whole name must
 * match; `*` alone means `index.docker.io/library/*` and `*\/*` `index.docker.io/*\/*`. Upstream
 * compiles to a regular expression; a learner's glob of many stars would make a backtracking one
 * take exponential time, so the simulator matches the same language with a linear table instead.
 */
export function compileGlob(glob: string): GlobToken[] | undefined {
  let g = glob;
  if (g === '*/*') g = 'index.docker.io/*/*';
  if (g === '*') g = 'index.docker.io/library/*';
  if (!VALID_GLOB.test(g) || g.length > MAX_GLOB) return undefined;
  const tokens: GlobToken[] = [];
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== '*') tokens.push(g[i] as string);
    else if (g[i + 1] === '*') {
      tokens.push({ star: 'any' });
      i++;
    } else tokens.push({ star: 'one' });
  }
  return tokens;
}

function matchTokens(tokens: GlobToken[], name: string): boolean {
  // reach[j]: the first i tokens can match name[0, j). One row per token, O(tokens × name).
  let reach = new Array<boolean>(name.length + 1).fill(false);
  reach[0] = true;
  for (const t of tokens) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    if (typeof t === 'string') {
      for (let j = 0; j < name.length; j++) if (reach[j] && name[j] === t) next[j + 1] = true;
    } else {
      let open = false;
      for (let j = 0; j <= name.length; j++) {
        if (reach[j]) open = true;
        next[j] = open;
        if (t.star === 'one' && name[j] === '/') open = false;
      }
    }
    reach = next;
  }
  return reach[name.length] === true;
}

/**
 * glob.Match: against the fully qualified name first (`index.docker.io/library/nginx@sha256:...`),
 * then, as upstream still does for compatibility, against the image as written.
 */
export function globMatches(glob: string, qualifiedName: string, asWritten: string): boolean {
  const tokens = compileGlob(glob);
  if (!tokens) return false;
  return (
    matchTokens(tokens, qualifiedName) ||
    (qualifiedName !== asWritten && asWritten !== '' && matchTokens(tokens, asWritten))
  );
}

/** The predicate types an attestation may name (v1beta1 validPredicateTypes) and the in-toto URIs cosign maps them to. */
export const PREDICATE_TYPES: Record<string, string> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
};

const VALID_RESOURCES = new Set([
  'replicasets',
  'deployments',
  'pods',
  'cronjobs',
  'jobs',
  'statefulsets',
  'daemonsets',
]);

/** SetDefaults: an authority without a name is `authority-<index>`. Returns the spec changed, or undefined. */
export function defaultSpec(spec: ClusterImagePolicySpec): ClusterImagePolicySpec | undefined {
  const authorities = spec.authorities;
  if (!Array.isArray(authorities) || authorities.every((a) => a?.name)) return undefined;
  return { ...spec, authorities: authorities.map((a, i) => (a?.name ? a : { ...a, name: `authority-${i}` })) };
}

const missing = (...paths: string[]): FieldError => ({ message: 'missing field(s)', paths });
const oneOfMissing = (...paths: string[]): FieldError => ({ message: 'expected exactly one, got neither', paths });
const oneOfMany = (...paths: string[]): FieldError => ({ message: 'expected exactly one, got both', paths });
const invalid = (value: string, path: string, details?: string): FieldError => ({
  message: `invalid value: ${value}`,
  paths: [path],
  ...(details ? { details } : {}),
});

/** ClusterImagePolicySpec.Validate, every problem at once, with paths under `spec`. */
export function validateSpec(spec: ClusterImagePolicySpec | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const s = spec ?? {};
  const images = Array.isArray(s.images) ? s.images : [];
  if (images.length === 0) errors.push(missing('spec.images'));
  images.forEach((image, i) => {
    const at = `spec.images[${i}].glob`;
    if (!image?.glob) errors.push(missing(at));
    else if (!compileGlob(image.glob)) {
      errors.push(invalid(image.glob, at, `glob is invalid: invalid glob "${image.glob}"`));
    }
  });
  (Array.isArray(s.authorities) ? s.authorities : []).forEach((a, i) => {
    errors.push(...validateAuthority(a ?? {}, `spec.authorities[${i}]`));
  });
  if (s.mode && s.mode !== 'enforce' && s.mode !== 'warn') {
    errors.push(invalid(s.mode, 'spec.mode', 'unsupported mode'));
  }
  (Array.isArray(s.match) ? s.match : []).forEach((m, i) => {
    if (m?.resource && !VALID_RESOURCES.has(m.resource)) {
      errors.push(invalid(m.resource, `spec.match[${i}].resource`, 'unsupported resource name'));
    }
    if (m?.selector && !m.resource && !m.version && !m.group) {
      errors.push(invalid('', `spec.match[${i}].selector`, 'selector requires a resource type to match the labels'));
    }
  });
  if (s.policy) errors.push(...validatePolicy(s.policy, 'spec.policy'));
  return errors;
}

function validatePolicy(p: { type?: string; data?: string }, at: string): FieldError[] {
  const errors: FieldError[] = [];
  if (p.type !== 'cue') errors.push(invalid(p.type ?? '', `${at}.type`, 'only cue is supported at the moment'));
  if (!p.data) errors.push(missing(`${at}.data`));
  return errors;
}

function validateAuthority(a: Authority, at: string): FieldError[] {
  const set = (['key', 'keyless', 'static'] as const).filter((k) => a[k] !== undefined && a[k] !== null);
  const paths = ['key', 'keyless', 'static'].map((k) => `${at}.${k}`);
  if (set.length === 0) return [oneOfMissing(...paths)];
  if (set.length > 1) return [oneOfMany(...paths)];
  const errors: FieldError[] = [];
  if (a.key) errors.push(...validateKey(a.key, `${at}.key`));
  if (a.static) {
    if (!a.static.action) errors.push(missing(`${at}.static.action`));
    else if (a.static.action !== 'pass' && a.static.action !== 'fail') {
      errors.push(invalid(a.static.action, `${at}.static.action`, 'unsupported action'));
    }
    if ((a.attestations ?? []).length > 0) errors.push(oneOfMany(`${at}.static`, `${at}.attestations`));
    if ((a.source ?? []).length > 0) errors.push(oneOfMany(`${at}.static`, `${at}.source`));
    if (a.ctlog) errors.push(oneOfMany(`${at}.static`, `${at}.ctlog`));
  }
  for (const att of a.attestations ?? []) {
    const where = `${at}.attestations`;
    if (!att?.name) errors.push(missing(`${where}.name`));
    if (!att?.predicateType) errors.push(missing(`${where}.predicateType`));
    else if (!(att.predicateType in PREDICATE_TYPES)) {
      errors.push(invalid(att.predicateType, `${where}.predicateType`, 'unsupported precicate type'));
    }
    if (att?.policy) errors.push(...validatePolicy(att.policy, `${where}.policy`));
  }
  return errors;
}

function validateKey(key: KeyRef, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const sources = [key.data, key.kms, key.secretRef].filter((v) => v !== undefined && v !== '' && v !== null);
  if (sources.length === 0) errors.push(oneOfMissing(`${at}.data`, `${at}.kms`, `${at}.secretref`));
  if (sources.length > 1) errors.push(oneOfMany(`${at}.data`, `${at}.kms`, `${at}.secretref`));
  if (key.hashAlgorithm && !['sha224', 'sha256', 'sha384', 'sha512'].includes(key.hashAlgorithm)) {
    errors.push(invalid(key.hashAlgorithm, `${at}.hashAlgorithm`));
  }
  if (key.data) {
    const parsed = parsePublicKeyPem(key.data);
    // Upstream says no more than "invalid value"; the simulator adds why only where the reason is its own limit.
    if (!parsed.ok) errors.push(invalid(key.data, `${at}.data`, parsed.unsupported ? parsed.reason : undefined));
  }
  return errors;
}
