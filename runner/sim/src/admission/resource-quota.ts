/**
 * ResourceQuota (plugin/pkg/admission/resourcequota and the quota controller):
 * refuses a create that would take a namespace past a quota's hard limits, with
 * upstream's `exceeded quota` / `failed quota` messages, and keeps each quota's
 * `status.hard` and `status.used` current. Usage is computed from the store on
 * every check, so it never drifts from what is really there.
 */

import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { canonical, formatQuantity, milli } from '@paranoid/k8s/quantity.ts';
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import type { Clock } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from './types.ts';

const QUOTAS: GroupResource = { group: '', resource: 'resourcequotas' };
const PODS: GroupResource = { group: '', resource: 'pods' };

/** The quota names the legacy form counts (`services` = `count/services`). */
const LEGACY_COUNTS: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** Resources every container must state when a quota limits them (the backward-compatibility rule). */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

type Usage = Map<string, bigint>;

interface QuotaSpec {
  hard?: Record<string, string>;
  scopes?: string[];
}

const add = (u: Usage, k: string, v: bigint) => u.set(k, (u.get(k) ?? 0n) + v);

function podResources(spec: PodSpec, which: 'requests' | 'limits'): Usage {
  const total: Usage = new Map();
  for (const c of spec.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) add(total, k, milli(v) ?? 0n);
  }
  for (const c of spec.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const q = milli(v) ?? 0n;
      if (q > (total.get(k) ?? 0n)) total.set(k, q);
    }
  }
  return total;
}

const isTerminal = (pod: KubeObject): boolean => {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};

/** What one pod counts against a quota, in milli-units; `pods` and `count/pods` count 1000m each. */
function podUsage(pod: KubeObject): Usage {
  const u: Usage = new Map([['count/pods', 1000n]]);
  if (isTerminal(pod)) return u;
  const spec = (pod.spec ?? {}) as PodSpec;
  u.set('pods', 1000n);
  for (const [k, v] of podResources(spec, 'requests')) {
    u.set(`requests.${k}`, v);
    if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') u.set(k, v);
  }
  for (const [k, v] of podResources(spec, 'limits')) u.set(`limits.${k}`, v);
  return u;
}

function objectUsage(gr: GroupResource, obj: KubeObject): Usage {
  if (gr.group === '' && gr.resource === 'pods') return podUsage(obj);
  const u: Usage = new Map([[`count/${gr.group ? `${gr.resource}.${gr.group}` : gr.resource}`, 1000n]]);
  if (gr.group === '' && LEGACY_COUNTS[gr.resource]) u.set(LEGACY_COUNTS[gr.resource]!, 1000n);
  if (gr.group === '' && gr.resource === 'services') {
    const spec = (obj.spec ?? {}) as { type?: string; ports?: unknown[] };
    if (spec.type === 'LoadBalancer') u.set('services.loadbalancers', 1000n);
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      u.set('services.nodeports', BigInt((spec.ports ?? []).length) * 1000n);
    }
  }
  if (gr.group === '' && gr.resource === 'persistentvolumeclaims') {
    const storage = (obj.spec as { resources?: { requests?: Record<string, string> } })?.resources?.requests?.storage;
    if (storage) u.set('requests.storage', milli(storage) ?? 0n);
    u.set('persistentvolumeclaims', 1000n);
  }
  return u;
}

/** Which store resource a quota key counts, so usage can be listed. */
function resourceOfKey(key: string): GroupResource | undefined {
  if (key.startsWith('count/')) {
    const rest = key.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (LEGACY_COUNTS[key]) return { group: '', resource: LEGACY_COUNTS[key]! };
  if (key.startsWith('services.')) return { group: '', resource: 'services' };
  if (key === 'requests.storage' || key.endsWith('.storageclass.storage.k8s.io/requests.storage')) {
    return { group: '', resource: 'persistentvolumeclaims' };
  }
  return PODS;
}

function isBestEffort(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as PodSpec;
  const all: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  return all.every(
    (c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0,
  );
}

/** Whether a quota's scopes select this object; scoped quotas only ever track pods. */
function scopesMatch(quota: QuotaSpec, gr: GroupResource, obj: KubeObject): boolean {
  const scopes = quota.scopes ?? [];
  if (scopes.length === 0) return true;
  if (!(gr.group === '' && gr.resource === 'pods')) return false;
  const spec = (obj.spec ?? {}) as PodSpec;
  return scopes.every((s) => {
    switch (s) {
      case 'Terminating':
        return spec.activeDeadlineSeconds != null;
      case 'NotTerminating':
        return spec.activeDeadlineSeconds == null;
      case 'BestEffort':
        return isBestEffort(obj);
      case 'NotBestEffort':
        return !isBestEffort(obj);
      default:
        return false;
    }
  });
}

/** Usage of every key of a quota's hard set, computed from what the namespace holds now. */
export function quotaUsage(store: ObjectStore, quota: KubeObject): Usage {
  const spec = (quota.spec ?? {}) as QuotaSpec;
  const ns = quota.metadata.namespace ?? '';
  const keys = Object.keys(spec.hard ?? {});
  const used: Usage = new Map(keys.map((k) => [k, 0n]));
  const byResource = new Map<string, GroupResource>();
  for (const k of keys) {
    const gr = resourceOfKey(k);
    if (gr) byResource.set(`${gr.group}/${gr.resource}`, gr);
  }
  for (const gr of byResource.values()) {
    for (const obj of store.list(gr, ns)) {
      if (!scopesMatch(spec, gr, obj)) continue;
      for (const [k, v] of objectUsage(gr, obj)) if (used.has(k)) add(used, k, v);
    }
  }
  return used;
}

const prettyPrint = (entries: [string, string][]): string =>
  entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function mustSpecify(required: string[], pod: KubeObject): string | undefined {
  const spec = (pod.spec ?? {}) as PodSpec;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const has = new Set<string>();
    for (const k of Object.keys(c.resources?.requests ?? {})) {
      has.add(`requests.${k}`);
      has.add(k);
    }
    for (const k of Object.keys(c.resources?.limits ?? {})) has.add(`limits.${k}`);
    for (const r of required) {
      if (!has.has(r)) {
        const set = missing.get(r) ?? new Set<string>();
        set.add(c.name);
        missing.set(r, set);
      }
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing].map(([r, names]) => `${r} for: ${[...names].sort().join(',')}`).sort();
  return `must specify ${parts.join('; ')}`;
}

function forbidden(request: AdmissionRequest, why: string): AdmissionResult {
  const { group, resource } = request.resource;
  const gr = group ? `${resource}.${group}` : resource;
  const name = request.name || request.object?.metadata.name || '';
  return {
    warnings: [],
    denied: {
      code: 403,
      reason: 'Forbidden',
      message: `${name ? `${gr} ${JSON.stringify(name)}` : gr} is forbidden: ${why}`,
    },
  };
}

/** Checks one create against every quota in its namespace. */
export function checkQuota(request: AdmissionRequest, store: ObjectStore): AdmissionResult {
  const ok: AdmissionResult = { warnings: [] };
  if (request.operation !== 'CREATE' || request.subresource !== '' || !request.object || !request.namespace) return ok;
  const gr = { group: request.resource.group, resource: request.resource.resource };
  const quotas = store.list(QUOTAS, request.namespace);
  if (quotas.length === 0) return ok;
  const delta = objectUsage(gr, request.object);
  for (const quota of quotas) {
    const spec = (quota.spec ?? {}) as QuotaSpec;
    const hard = spec.hard ?? {};
    if (!scopesMatch(spec, gr, request.object)) continue;
    const relevant = [...delta.keys()].filter((k) => hard[k] !== undefined);
    const isPod = gr.group === '' && gr.resource === 'pods';
    if (isPod) {
      const required = Object.keys(hard).filter((k) => MUST_SPECIFY.has(k));
      const why = required.length > 0 ? mustSpecify(required, request.object) : undefined;
      if (why) return forbidden(request, `failed quota: ${quota.metadata.name}: ${why}`);
    }
    if (relevant.length === 0) continue;
    const used = quotaUsage(store, quota);
    const exceeded = relevant.filter((k) => (used.get(k) ?? 0n) + delta.get(k)! > (milli(hard[k]) ?? 0n));
    if (exceeded.length === 0) continue;
    return forbidden(
      request,
      `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(exceeded.map((k) => [k, formatQuantity(k, delta.get(k)!)]))}, used: ${prettyPrint(exceeded.map((k) => [k, formatQuantity(k, used.get(k) ?? 0n)]))}, limited: ${prettyPrint(exceeded.map((k) => [k, canonical(hard[k]!)]))}`,
    );
  }
  return ok;
}

/** ResourceQuota admission: validate on CREATE of anything a quota in the namespace counts. */
export const resourceQuotaAdmission: AdmissionPlugin = {
  name: 'ResourceQuota',
  validate: checkQuota,
};

/** The status a quota should show now: hard as specified, used as counted. */
export function quotaStatus(
  store: ObjectStore,
  quota: KubeObject,
): { hard: Record<string, string>; used: Record<string, string> } {
  const hard = { ...(((quota.spec ?? {}) as QuotaSpec).hard ?? {}) };
  const used: Record<string, string> = {};
  for (const [k, v] of quotaUsage(store, quota)) used[k] = formatQuantity(k, v);
  return { hard, used };
}

/** Recomputes every quota's status in `namespace` (all namespaces when undefined); returns how many changed. */
export function syncQuotaStatus(store: ObjectStore, namespace?: string): number {
  let changed = 0;
  for (const quota of store.list(QUOTAS, namespace)) {
    const status = quotaStatus(store, quota);
    if (JSON.stringify(status) === JSON.stringify(quota.status ?? {})) continue;
    const current = store.get(QUOTAS, quota.metadata.namespace, quota.metadata.name ?? '');
    if (!current) continue;
    store.update(QUOTAS, { ...current, status });
    changed++;
  }
  return changed;
}

/**
 * onStart hook (the quota controller's job): fills quota status now and after any
 * change in a namespace that has quotas, batched per microtask.
 */
export function resourceQuotaStatus(ctx: { store: ObjectStore; clock?: Clock }): () => void {
  const { store } = ctx;
  const dirty = new Set<string>();
  let scheduled = false;
  let stopped = false;
  syncQuotaStatus(store);
  const unsubscribe = store.subscribe((event) => {
    const ns = event.object.metadata.namespace;
    if (!ns || stopped) return;
    // A quota's own status write must not wake us again for nothing; syncQuotaStatus is a no-op then anyway.
    if (store.list(QUOTAS, ns).length === 0) return;
    dirty.add(ns);
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (stopped) return;
      const namespaces = [...dirty];
      dirty.clear();
      for (const n of namespaces) syncQuotaStatus(store, n);
    });
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
