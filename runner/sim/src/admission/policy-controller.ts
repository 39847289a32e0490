/**
 * Sigstore policy-controller, as its Helm chart installs it: the `policy.sigstore.dev`
 * webhooks (mutating: resolve tags to digests; validating: every image must satisfy every
 * ClusterImagePolicy whose glob matches it) for pods and pod-template workloads in namespaces
 * labelled `policy.sigstore.dev/include: "true"`, and the ClusterImagePolicy webhooks
 * (defaulting and validation). It is installed when the ClusterImagePolicy CRD exists, as
 * the chart installs both together; deleting the CRD uninstalls it.
 *
 * Verdicts come from the registry's data only: the signatures and attestations an image
 * carries, verified against the policy's public key. Labels, annotations and statuses a
 * learner writes are never read as evidence.
 */

import { matchesLabelSelector } from '@paranoid/k8s/label-selector.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { CosignAttestation, CosignSignature } from '@paranoid/schema/image-signatures.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { parseImageReference } from '../runtime/images/reference.ts';
import type { ObjectStore } from '../store.ts';
import {
  type Authority,
  type ClusterImagePolicySpec,
  defaultSpec,
  type FieldError,
  formatFieldErrors,
  globMatches,
  PREDICATE_TYPES,
  validateSpec,
} from './cluster-image-policy.ts';
import { parsePublicKeyPem, verifyImageAttestations, verifyImageSignatures } from './cosign-verify.ts';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from './types.ts';

/** What the registry holds for an image reference: its digest and the cosign data beside it. */
export interface RegistryImage {
  digest: string;
  signatures: readonly CosignSignature[];
  attestations: readonly CosignAttestation[];
}

/** Resolves an image reference as the registry answers it; undefined when it does not exist. */
export type RegistryLookup = (ref: string) => RegistryImage | undefined;

/** The API group of sigstore's policy-controller (ClusterImagePolicy); its admission runs once that CRD exists. */
export const POLICY_GROUP = 'policy.sigstore.dev';
const CIPS = { group: POLICY_GROUP, resource: 'clusterimagepolicies' };
const CRDS = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' };
/** The namespace label that opts a namespace in (the chart's namespaceSelector). */
export const INCLUDE_LABEL = 'policy.sigstore.dev/include';
/** policy-controller's own namespace and config (`config-policy-controller`, key `no-match-policy`). */
export const SYSTEM_NAMESPACE = 'cosign-system';
const CONFIG_NAME = 'config-policy-controller';
const WEBHOOK = 'policy.sigstore.dev';
const CIP_WEBHOOK = 'validating.clusterimagepolicy.sigstore.dev';

/** The resources the chart's `policy.sigstore.dev` webhooks match, with where their pod spec lives. */
const POD_SPEC_PATHS: Record<string, { group: string; path: string[] }> = {
  pods: { group: '', path: ['spec'] },
  replicasets: { group: 'apps', path: ['spec', 'template', 'spec'] },
  deployments: { group: 'apps', path: ['spec', 'template', 'spec'] },
  statefulsets: { group: 'apps', path: ['spec', 'template', 'spec'] },
  daemonsets: { group: 'apps', path: ['spec', 'template', 'spec'] },
  jobs: { group: 'batch', path: ['spec', 'template', 'spec'] },
  cronjobs: { group: 'batch', path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};
const SCALABLE = new Set(['replicasets', 'deployments', 'statefulsets']);
const CONTAINER_FIELDS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

type Container = { image?: unknown };
type PodSpecLike = Partial<Record<(typeof CONTAINER_FIELDS)[number], Container[]>>;

function installed(store: ObjectStore): boolean {
  return store.get(CRDS, undefined, `clusterimagepolicies.${POLICY_GROUP}`) !== undefined;
}

function podSpecTarget(request: AdmissionRequest): { path: string[] } | undefined {
  if (request.subresource !== '' || (request.operation !== 'CREATE' && request.operation !== 'UPDATE'))
    return undefined;
  const target = POD_SPEC_PATHS[request.resource.resource];
  return target && target.group === request.resource.group ? target : undefined;
}

function namespaceIncluded(store: ObjectStore, namespace: string): boolean {
  const ns = store.get({ group: '', resource: 'namespaces' }, undefined, namespace);
  return ns?.metadata.labels?.[INCLUDE_LABEL] === 'true';
}

function specAt(object: KubeObject, path: string[]): PodSpecLike | undefined {
  let at: unknown = object;
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at && typeof at === 'object' ? (at as PodSpecLike) : undefined;
}

/** isDeletedOrStatusUpdate, and PodScalable's scale-down exemption. */
function exempt(request: AdmissionRequest): boolean {
  const object = request.object;
  if (!object || object.metadata.deletionTimestamp) return true;
  if (request.operation === 'UPDATE' && SCALABLE.has(request.resource.resource) && request.oldObject) {
    const replicas = (o: KubeObject) => (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    if (replicas(object) < replicas(request.oldObject)) return true;
  }
  return false;
}

/** `name.Reference.Name()`: Docker Hub as `index.docker.io`, a digest reference without its tag. */
function qualifiedName(image: string): string | undefined {
  const ref = parseImageReference(image);
  if (!ref) return undefined;
  const repo = ref.domain === 'docker.io' ? `index.${ref.repository}` : ref.repository;
  return ref.digest ? `${repo}@${ref.digest}` : `${repo}:${ref.tag ?? 'latest'}`;
}

/** The mutating webhook: each container's tag replaced by the digest the registry resolves it to. */
function resolveDigests(spec: PodSpecLike, lookup: RegistryLookup): PodSpecLike | undefined {
  let changed = false;
  const next: PodSpecLike = { ...spec };
  for (const field of CONTAINER_FIELDS) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    next[field] = list.map((c) => {
      if (typeof c?.image !== 'string') return c;
      const ref = parseImageReference(c.image);
      if (!ref || ref.digest) return c;
      const found = lookup(c.image);
      if (!found) return c;
      changed = true;
      const repo = ref.domain === 'docker.io' ? `index.${ref.repository}` : ref.repository;
      return { ...c, image: `${repo}@${found.digest}` };
    });
  }
  return changed ? next : undefined;
}

function withSpec(object: KubeObject, path: string[], spec: PodSpecLike): KubeObject {
  const [head, ...rest] = path;
  if (head === undefined) return spec as unknown as KubeObject;
  const current = (object as unknown as Record<string, unknown>)[head];
  const inner = rest.length === 0 ? spec : withSpec((current ?? {}) as KubeObject, rest, spec);
  return { ...object, [head]: inner } as KubeObject;
}

interface Policy {
  name: string;
  spec: ClusterImagePolicySpec;
}

function policies(store: ObjectStore): Policy[] {
  return store
    .list(CIPS)
    .filter((o) => !o.metadata.deletionTimestamp)
    .map((o) => ({ name: o.metadata.name ?? '', spec: (o.spec ?? {}) as ClusterImagePolicySpec }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** GetMatchingPolicies: a glob of the policy matches the image, and its `match` (if any) the resource. */
function matching(
  all: Policy[],
  name: string,
  image: string,
  request: AdmissionRequest,
  labels: Record<string, string> | undefined,
): Policy[] {
  return all.filter((p) => {
    if (!(p.spec.images ?? []).some((g) => typeof g?.glob === 'string' && globMatches(g.glob, name, image))) {
      return false;
    }
    const match = p.spec.match ?? [];
    if (match.length === 0) return true;
    return match.some(
      (m) =>
        (!m.resource || m.resource === request.resource.resource) &&
        (!m.group || m.group === request.resource.group) &&
        (!m.version || m.version === request.resource.version) &&
        (!m.selector || matchesLabelSelector(m.selector as LabelSelector, labels)),
    );
  });
}

/** The public keys of an authority's `key`: inline PEM, or the one key of a Secret in cosign-system. */
function authorityKeys(store: ObjectStore, authority: Authority): string[] {
  const key = authority.key;
  if (!key) return [];
  if (key.data) return [key.data];
  if (key.secretRef?.name) {
    const secret = store.get({ group: '', resource: 'secrets' }, SYSTEM_NAMESPACE, key.secretRef.name);
    const data = (secret?.data ?? {}) as Record<string, string>;
    const values = Object.values(data);
    // The reconciler inlines a Secret with exactly one key; any other shape leaves no key.
    if (values.length !== 1) return [];
    try {
      return [atob(values[0] ?? '')];
    } catch {
      return [];
    }
  }
  return [];
}

/** ValidatePolicy for one authority: undefined when it is satisfied, else its error text. */
function checkAuthority(
  store: ObjectStore,
  authority: Authority,
  image: RegistryImage | undefined,
  refName: string,
): string | undefined {
  const label = authority.name ?? '';
  if (authority.static) {
    if (authority.static.action === 'fail') {
      return `disallowed by static policy${authority.static.message ? `: ${authority.static.message}` : ''}`;
    }
    return undefined;
  }
  if (authority.keyless || !authority.key) {
    // No Fulcio, Rekor or certificates in the simulated registry: nothing verifies keyless.
    return `signature keyless validation failed for authority ${label} for ${refName}: no matching signatures: signature has no certificate`;
  }
  const keys = authorityKeys(store, authority);
  if (keys.length === 0) return `there are no public keys for authority ${label}`;
  if (!image) {
    // The reference names no manifest the registry holds, so there is nothing to verify.
    return `signature key validation failed for authority ${label} for ${refName}: MANIFEST_UNKNOWN: manifest unknown`;
  }
  const hashAlgorithm = authority.key.hashAlgorithm ?? 'sha256';
  const wanted = authority.attestations ?? [];
  const failures: string[] = [];
  for (const pem of keys) {
    const parsed = parsePublicKeyPem(pem);
    if (!parsed.ok) {
      failures.push(`creating verifier: ${parsed.reason}`);
      continue;
    }
    if (wanted.length === 0) {
      // Signatures are made over SHA-256 digests; a verifier told another hash rejects them all.
      const outcome =
        hashAlgorithm === 'sha256'
          ? verifyImageSignatures(image.signatures, image.digest, parsed.point)
          : image.signatures.length > 0
            ? {
                ok: false as const,
                error: 'no matching signatures: invalid signature when validating ASN.1 encoded signature',
              }
            : { ok: false as const, error: 'no signatures found' };
      if (outcome.ok) return undefined;
      failures.push(`signature key validation failed for authority ${label} for ${refName}: ${outcome.error}`);
      continue;
    }
    const outcome = verifyImageAttestations(image.attestations, image.digest, parsed.point);
    if (!outcome.ok) {
      failures.push(`attestation key validation failed for authority ${label} for ${refName}: ${outcome.error}`);
      continue;
    }
    for (const att of wanted) {
      const uri = PREDICATE_TYPES[att.predicateType ?? ''] ?? att.predicateType ?? '';
      const found = outcome.verified.filter((v) => v.predicateType === uri);
      if (found.length === 0) {
        const checked = [...new Set(outcome.verified.map((v) => v.predicateType))].join(',');
        return `no matching attestations with type ${att.predicateType}, checked the following predicateTypes: "${checked}"`;
      }
      if (att.policy) {
        // CUE and Rego are not modelled: an attestation policy fails closed, and says so.
        return `failed policy validation for ${att.name}: the simulator does not evaluate ${att.policy.type} policies`;
      }
    }
    return undefined;
  }
  return failures.join('\n');
}

/** validateContainerImage for one image: the FieldErrors (errors and warnings) it produces. */
function checkImage(
  store: ObjectStore,
  all: Policy[],
  request: AdmissionRequest,
  labels: Record<string, string> | undefined,
  image: string,
  path: string,
  lookup: RegistryLookup,
): FieldError[] {
  const ref = parseImageReference(image);
  if (!ref) return [{ message: 'could not parse reference', paths: [path], details: image }];
  if (!ref.digest) return [{ message: `invalid value: ${image} must be an image digest`, paths: [path] }];
  const refName = qualifiedName(image) ?? image;
  const found = matching(all, refName, image, request, labels);
  if (found.length === 0) {
    const mode = noMatchPolicy(store);
    if (mode === 'allow') return [];
    return [{ message: 'no matching policies', paths: [path], details: image, warning: mode === 'warn' }];
  }
  const registryImage = lookup(image);
  const errors: FieldError[] = [];
  for (const p of found) {
    const authorities = p.spec.authorities ?? [];
    const problems: string[] = [];
    let passed = false;
    for (const [i, a] of authorities.entries()) {
      const named = { ...a, name: a.name ?? `authority-${i}` };
      const problem = checkAuthority(store, named, registryImage, refName);
      if (problem === undefined) passed = true;
      else problems.push(problem);
    }
    // No authority matched and none failed: upstream reports the policy itself as unprocessed.
    if (authorities.length === 0) problems.push(`failed to process policy: ${p.name}`);
    // A CIP-level policy (CUE/Rego) is not modelled: it fails closed, and says so.
    if (p.spec.policy) problems.push('the simulator does not evaluate ClusterImagePolicy-level policies');
    else if (passed) continue;
    errors.push({
      message: `failed policy: ${p.name}`,
      paths: [path],
      details: [image, ...problems].join(' '),
      warning: p.spec.mode === 'warn',
    });
  }
  return errors;
}

/** `no-match-policy` of config-policy-controller: deny (the default), warn or allow. */
function noMatchPolicy(store: ObjectStore): 'deny' | 'warn' | 'allow' {
  const cm = store.get({ group: '', resource: 'configmaps' }, SYSTEM_NAMESPACE, CONFIG_NAME);
  const value = (cm?.data as Record<string, string> | undefined)?.['no-match-policy'];
  return value === 'allow' || value === 'warn' ? value : 'deny';
}

function denied(webhook: string, errors: string): AdmissionResult {
  return {
    denied: {
      code: 400,
      reason: 'BadRequest',
      message: `admission webhook "${webhook}" denied the request: validation failed: ${errors}`,
    },
    warnings: [],
  };
}

/**
 * The plugin, given how to look images up in the registry. Mutation resolves tags to digests;
 * validation refuses a pod or workload unless each image satisfies all matching policies
 * (any one authority of a policy suffices), and refuses an invalid ClusterImagePolicy.
 */
export function policyControllerAdmission(lookup: RegistryLookup): AdmissionPlugin {
  return {
    name: 'PolicyController',
    mutate(request, store) {
      if (!request.object || !installed(store)) return undefined;
      if (request.resource.group === POLICY_GROUP && request.resource.resource === 'clusterimagepolicies') {
        if (request.subresource !== '' || request.operation === 'DELETE') return undefined;
        const spec = defaultSpec((request.object.spec ?? {}) as ClusterImagePolicySpec);
        return spec ? ({ ...request.object, spec } as KubeObject) : undefined;
      }
      const target = podSpecTarget(request);
      if (!target || exempt(request) || !namespaceIncluded(store, request.namespace)) return undefined;
      const spec = specAt(request.object, target.path);
      const resolved = spec && resolveDigests(spec, lookup);
      return resolved ? withSpec(request.object, target.path, resolved) : undefined;
    },
    validate(request, store) {
      if (!request.object || !installed(store)) return { warnings: [] };
      if (request.resource.group === POLICY_GROUP && request.resource.resource === 'clusterimagepolicies') {
        if (request.subresource !== '' || request.operation === 'DELETE') return { warnings: [] };
        const errors = validateSpec(request.object.spec as ClusterImagePolicySpec | undefined);
        return errors.length > 0 ? denied(CIP_WEBHOOK, formatFieldErrors(errors)) : { warnings: [] };
      }
      const target = podSpecTarget(request);
      if (!target || exempt(request) || !namespaceIncluded(store, request.namespace)) return { warnings: [] };
      const spec = specAt(request.object, target.path);
      if (!spec) return { warnings: [] };
      const all = policies(store);
      const labels = request.object.metadata.labels;
      const prefix = target.path.join('.');
      const found: FieldError[] = [];
      for (const field of CONTAINER_FIELDS) {
        const list = spec[field];
        if (!Array.isArray(list)) continue;
        list.forEach((c, i) => {
          if (typeof c?.image !== 'string') return;
          found.push(...checkImage(store, all, request, labels, c.image, `${prefix}.${field}[${i}].image`, lookup));
        });
      }
      const errors = found.filter((e) => !e.warning);
      const warnings = found.filter((e) => e.warning);
      if (errors.length > 0) return denied(WEBHOOK, formatFieldErrors(errors));
      return { warnings: warnings.length > 0 ? [formatFieldErrors(warnings)] : [] };
    },
  };
}
