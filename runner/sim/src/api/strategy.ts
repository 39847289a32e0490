import type { KubeObject } from '@paranoid/k8s/object.ts';
import { invalid, StatusError } from '@paranoid/k8s/status.ts';
import type { ResourceDef } from '../resources.ts';
import type { ApiContext } from './context.ts';

// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds are read here by field path, as the apiserver's printers and strategies do.
type Any = Record<string, any>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** RBAC objects and a few others only forbid path segments in names. */
const PATH_SEGMENT_NAMES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

/** ObjectMeta name validation, with the apiserver's messages. */
export function validateName(def: ResourceDef, object: KubeObject): void {
  const name = object.metadata.name ?? '';
  if (!name) return;
  const fail = (message: string) => {
    throw invalid(def.group, def.kind, name, [
      { field: 'metadata.name', message: `Invalid value: "${name}": ${message}`, reason: 'FieldValueInvalid' },
    ]);
  };
  if (PATH_SEGMENT_NAMES.has(def.resource)) {
    if (name === '.' || name === '..') fail(`may not be '${name}'`);
    if (name.includes('/') || name.includes('%')) fail(`may not contain '${name.includes('/') ? '/' : '%'}'`);
    return;
  }
  if (def.resource === 'namespaces') {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      fail(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      );
    }
    return;
  }
  if (def.resource === 'services') {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) {
      fail(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      );
    }
    return;
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    fail(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
}

function qosClass(pod: KubeObject): string {
  const containers: Any[] = [...((pod.spec as Any)?.containers ?? []), ...((pod.spec as Any)?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req: Any = c.resources?.requests ?? {};
    const lim: Any = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * What Services already hold, read from the store so objects written by
 * in-process parts (the bootstrap's `kubernetes` Service) count too.
 */
function usedAllocations(ctx: ApiContext): { ips: Set<string>; ports: Set<number> } {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const svc of ctx.store.list({ group: '', resource: 'services' })) {
    const spec = (svc.spec as Any) ?? {};
    for (const ip of [spec.clusterIP, ...((spec.clusterIPs as string[]) ?? [])]) if (ip && ip !== 'None') ips.add(ip);
    for (const p of (spec.ports as Any[]) ?? []) if (p.nodePort) ports.add(p.nodePort);
  }
  return { ips, ports };
}

function allocateClusterIP(ctx: ApiContext): string {
  const used = usedAllocations(ctx).ips;
  for (let n = 1; n < 65000; n++) {
    const ip = `10.96.${Math.floor(n / 256)}.${n % 256}`;
    if (n % 256 === 0 || used.has(ip)) continue;
    return ip;
  }
  throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
}

function allocateNodePort(ctx: ApiContext, taken: Set<number> = new Set()): number {
  const used = usedAllocations(ctx).ports;
  for (let p = 30000; p <= 32767; p++) {
    // Spread like the apiserver's random allocator, but deterministic: step through the range by a prime.
    const port = 30000 + (((p - 30000) * 1031 + 80) % 2768);
    if (!used.has(port) && !taken.has(port)) return port;
  }
  throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
}

/** Secret's `stringData` is write-only: the apiserver folds it into `data` when it decodes the object. */
export function foldStringData(def: ResourceDef, object: KubeObject): void {
  if (def.group !== '' || def.resource !== 'secrets' || object.stringData === undefined) return;
  const data: Record<string, string> = { ...((object.data as Record<string, string>) ?? {}) };
  for (const [k, v] of Object.entries((object.stringData as Record<string, string>) ?? {})) {
    data[k] = utf8ToBase64(String(v));
  }
  object.data = data;
  delete object.stringData;
}

function utf8ToBase64(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * What the token controller does for a `kubernetes.io/service-account-token`
 * Secret naming an existing service account: it fills in the token, the
 * namespace, the CA and the account's uid. Done at create time here, so the
 * Secret reads complete at once (the classic long-lived token a learner finds).
 */
function populateServiceAccountTokenSecret(ctx: ApiContext, secret: KubeObject): void {
  if (secret.type !== 'kubernetes.io/service-account-token') return;
  const namespace = secret.metadata.namespace ?? '';
  const saName = secret.metadata.annotations?.['kubernetes.io/service-account.name'];
  if (!saName) {
    throw invalid('', 'Secret', secret.metadata.name ?? '', [
      {
        field: 'metadata.annotations[kubernetes.io/service-account.name]',
        message: 'Required value',
        reason: 'FieldValueRequired',
      },
    ]);
  }
  const sa = ctx.store.get({ group: '', resource: 'serviceaccounts' }, namespace, saName);
  if (!sa) return;
  const data: Record<string, string> = { ...((secret.data as Record<string, string>) ?? {}) };
  if (!data.token) {
    data.token = utf8ToBase64(ctx.tokens.legacyServiceAccountToken(namespace, secret.metadata.name ?? '', sa));
  }
  data.namespace ??= utf8ToBase64(namespace);
  if (ctx.clusterCA) data['ca.crt'] ??= utf8ToBase64(ctx.clusterCA);
  secret.data = data;
  secret.metadata.annotations = {
    ...secret.metadata.annotations,
    'kubernetes.io/service-account.uid': sa.metadata.uid ?? '',
  };
}

/** Registry work on create that is not defaulting: status reset, namespace phase, Service IPs and ports. */
export function prepareForCreate(ctx: ApiContext, def: ResourceDef, object: KubeObject): void {
  foldStringData(def, object);
  if (def.group === '' && def.resource === 'secrets') populateServiceAccountTokenSecret(ctx, object);
  const hasStatus = def.subresources?.some((s) => s.name === 'status');
  if (hasStatus && def.custom) delete object.status;
  else if (hasStatus && def.resource !== 'nodes' && def.resource !== 'customresourcedefinitions') {
    object.status = {};
  }
  if (def.group === '' && def.resource === 'pods') {
    object.status = { phase: 'Pending', qosClass: qosClass(object) };
  }
  if (def.group === '' && def.resource === 'namespaces') {
    const spec = (object.spec as Any) ?? {};
    if (!spec.finalizers) spec.finalizers = ['kubernetes'];
    object.spec = spec;
    object.status = { phase: 'Active' };
    object.metadata.labels = { ...object.metadata.labels, 'kubernetes.io/metadata.name': object.metadata.name ?? '' };
  }
  if (def.group === '' && def.resource === 'services') {
    const spec = (object.spec as Any) ?? {};
    object.spec = spec;
    const type = spec.type ?? 'ClusterIP';
    if (type !== 'ExternalName' && spec.clusterIP !== 'None') {
      if (spec.clusterIP) {
        if (usedAllocations(ctx).ips.has(spec.clusterIP)) {
          throw invalid('', 'Service', object.metadata.name ?? '', [
            {
              field: 'spec.clusterIPs',
              message: `Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`,
              reason: 'FieldValueInvalid',
            },
          ]);
        }
      } else spec.clusterIP = allocateClusterIP(ctx);
      spec.clusterIPs = [spec.clusterIP];
    } else if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const taken = new Set<number>();
      for (const p of (spec.ports as Any[]) ?? []) {
        if (!p.nodePort) p.nodePort = allocateNodePort(ctx, taken);
        taken.add(p.nodePort);
      }
    }
    object.status = { loadBalancer: {} };
  }
  // Ingress status starts as Service status does: an empty load balancer, filled by a controller.
  if (def.group === 'networking.k8s.io' && def.resource === 'ingresses') object.status = { loadBalancer: {} };
}

/** Registry work on update: status and spec each change only through their own endpoint. */
export function prepareForUpdate(
  ctx: ApiContext,
  def: ResourceDef,
  next: KubeObject,
  old: KubeObject,
  subresource: string,
): KubeObject {
  foldStringData(def, next);
  if (subresource === 'status') {
    // A status write changes status only (and leaves metadata but for labels and annotations alone).
    return { ...old, status: next.status, metadata: old.metadata };
  }
  const hasStatus = def.subresources?.some((s) => s.name === 'status');
  if (hasStatus && def.resource !== 'customresourcedefinitions') {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  if (def.group === '' && def.resource === 'services') {
    const spec = (next.spec as Any) ?? {};
    const oldSpec = (old.spec as Any) ?? {};
    if (!spec.clusterIP && oldSpec.clusterIP && (spec.type ?? 'ClusterIP') !== 'ExternalName') {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    }
    const type = spec.type ?? 'ClusterIP';
    if (type === 'NodePort' || type === 'LoadBalancer') {
      for (const p of (spec.ports as Any[]) ?? []) {
        if (p.nodePort) continue;
        const prev = ((oldSpec.ports as Any[]) ?? []).find((o) => o.port === p.port && o.nodePort);
        p.nodePort = prev?.nodePort ?? allocateNodePort(ctx);
      }
    }
    next.spec = spec;
  }
  if (def.group === '' && def.resource === 'namespaces') {
    const spec = (next.spec as Any) ?? {};
    // spec.finalizers changes only through the finalize subresource.
    spec.finalizers = (old.spec as Any)?.finalizers;
    if (spec.finalizers === undefined) delete spec.finalizers;
    next.spec = spec;
    next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': next.metadata.name ?? '' };
  }
  return next;
}
