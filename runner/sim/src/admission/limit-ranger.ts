/**
 * The LimitRanger admission plugin (plugin/pkg/admission/limitranger): fills in
 * container resource requests and limits from the namespace's LimitRanges
 * (mutate, pod CREATE only, as upstream) and rejects pods and claims outside their
 * min, max and limit/request ratio (validate).
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import { canonical, milli } from '@paranoid/k8s/quantity.ts';
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import type { ObjectStore } from '../store.ts';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from './types.ts';

type ResourceList = Record<string, string>;

interface LimitRangeItem {
  type: string;
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}

/** The annotation upstream's LimitRanger puts on a pod to say which defaults it filled in. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** LimitRange items with the API's defaults applied: default ← max, defaultRequest ← default, then ← min. */
function defaultedItems(store: ObjectStore, namespace: string): LimitRangeItem[] {
  const items: LimitRangeItem[] = [];
  for (const lr of store.list({ group: '', resource: 'limitranges' }, namespace)) {
    for (const raw of ((lr.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? []) as LimitRangeItem[]) {
      const item: LimitRangeItem = { ...raw };
      if (item.type === 'Container') {
        const def: ResourceList = { ...(item.default ?? {}) };
        const defReq: ResourceList = { ...(item.defaultRequest ?? {}) };
        for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
        for (const [k, v] of Object.entries(def)) defReq[k] ??= v;
        for (const [k, v] of Object.entries(item.min ?? {})) defReq[k] ??= v;
        item.default = def;
        item.defaultRequest = defReq;
      }
      items.push(item);
    }
  }
  return items;
}

const isPod = (r: AdmissionRequest): boolean =>
  r.resource.group === '' && r.resource.resource === 'pods' && r.subresource === '';
const isClaim = (r: AdmissionRequest): boolean =>
  r.resource.group === '' && r.resource.resource === 'persistentvolumeclaims' && r.subresource === '';

/** Sets missing requests and limits from the Container defaults; records what it set in an annotation. */
export function applyLimitRangeDefaults(pod: KubeObject, items: LimitRangeItem[]): KubeObject | undefined {
  const limits: ResourceList = {};
  const requests: ResourceList = {};
  for (const item of items) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) return undefined;
  const next = JSON.parse(JSON.stringify(pod)) as KubeObject;
  const spec = (next.spec ?? {}) as PodSpec;
  const notes: string[] = [];
  const merge = (c: Container, prefix: string) => {
    c.resources ??= {};
    c.resources.limits ??= {};
    c.resources.requests ??= {};
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    for (const [k, v] of Object.entries(limits)) {
      if (c.resources.limits[k] === undefined) {
        c.resources.limits[k] = v;
        setLimits.push(k);
      }
    }
    for (const [k, v] of Object.entries(requests)) {
      if (c.resources.requests[k] === undefined) {
        c.resources.requests[k] = v;
        setRequests.push(k);
      }
    }
    if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
    if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  };
  for (const c of spec.containers ?? []) merge(c, 'container');
  for (const c of spec.initContainers ?? []) merge(c, 'init container');
  if (notes.length === 0) return undefined;
  next.metadata.annotations = {
    ...(next.metadata.annotations ?? {}),
    [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`,
  };
  return next;
}

function minConstraint(
  kind: string,
  name: string,
  enforced: string,
  req: ResourceList,
  lim: ResourceList,
): string | undefined {
  const e = milli(enforced)!;
  if (req[name] === undefined)
    return `minimum ${name} usage per ${kind} is ${canonical(enforced)}.  No request is specified`;
  if (milli(req[name])! < e)
    return `minimum ${name} usage per ${kind} is ${canonical(enforced)}, but request is ${canonical(req[name]!)}`;
  if (lim[name] !== undefined && milli(lim[name])! < e) {
    return `minimum ${name} usage per ${kind} is ${canonical(enforced)}, but limit is ${canonical(lim[name]!)}`;
  }
  return undefined;
}

function maxConstraint(
  kind: string,
  name: string,
  enforced: string,
  req: ResourceList,
  lim: ResourceList,
): string | undefined {
  const e = milli(enforced)!;
  if (lim[name] === undefined)
    return `maximum ${name} usage per ${kind} is ${canonical(enforced)}.  No limit is specified`;
  if (milli(lim[name])! > e)
    return `maximum ${name} usage per ${kind} is ${canonical(enforced)}, but limit is ${canonical(lim[name]!)}`;
  if (req[name] !== undefined && milli(req[name])! > e) {
    return `maximum ${name} usage per ${kind} is ${canonical(enforced)}, but request is ${canonical(req[name]!)}`;
  }
  return undefined;
}

function ratioConstraint(
  kind: string,
  name: string,
  enforced: string,
  req: ResourceList,
  lim: ResourceList,
): string | undefined {
  const r = req[name] === undefined ? 0n : milli(req[name])!;
  const l = lim[name] === undefined ? 0n : milli(lim[name])!;
  if (r === 0n)
    return `${name} max limit to request ratio per ${kind} is ${canonical(enforced)}, but no request is specified or request is 0`;
  if (l === 0n)
    return `${name} max limit to request ratio per ${kind} is ${canonical(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(l) / Number(r);
  if (observed * 1000 > Number(milli(enforced)!)) {
    return `${name} max limit to request ratio per ${kind} is ${canonical(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
}

function check(kind: string, item: LimitRangeItem, req: ResourceList, lim: ResourceList, errors: string[]): void {
  for (const [k, v] of Object.entries(item.min ?? {})) {
    const e = minConstraint(kind, k, v, req, lim);
    if (e) errors.push(e);
  }
  for (const [k, v] of Object.entries(item.max ?? {})) {
    const e = maxConstraint(kind, k, v, req, lim);
    if (e) errors.push(e);
  }
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const e = ratioConstraint(kind, k, v, req, lim);
    if (e) errors.push(e);
  }
}

/** Pod totals: the sum over containers, or the largest init container if that is larger. */
function podTotals(spec: PodSpec, which: 'requests' | 'limits'): ResourceList {
  const sum = new Map<string, bigint>();
  for (const c of spec.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) sum.set(k, (sum.get(k) ?? 0n) + (milli(v) ?? 0n));
  }
  for (const c of spec.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const q = milli(v) ?? 0n;
      if (q > (sum.get(k) ?? 0n)) sum.set(k, q);
    }
  }
  return Object.fromEntries([...sum].map(([k, v]) => [k, `${v}m`]));
}

const forbidden = (request: AdmissionRequest, errors: string[]): AdmissionResult => {
  const { group, resource } = request.resource;
  const gr = group ? `${resource}.${group}` : resource;
  const name = request.name || request.object?.metadata.name || '';
  const text = errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
  return {
    warnings: [],
    denied: {
      code: 403,
      reason: 'Forbidden',
      message: `${name ? `${gr} ${JSON.stringify(name)}` : gr} is forbidden: ${text}`,
    },
  };
};

/** LimitRanger: defaults on pod CREATE, min/max/ratio checks on pod CREATE and claim CREATE/UPDATE. */
export const limitRanger: AdmissionPlugin = {
  name: 'LimitRanger',
  mutate(request, store) {
    if (!isPod(request) || request.operation !== 'CREATE' || !request.object) return undefined;
    const items = defaultedItems(store, request.namespace);
    return items.length > 0 ? applyLimitRangeDefaults(request.object, items) : undefined;
  },
  validate(request, store) {
    const ok: AdmissionResult = { warnings: [] };
    if (!request.object) return ok;
    if (isPod(request) && request.operation === 'CREATE') {
      const items = defaultedItems(store, request.namespace);
      const spec = (request.object.spec ?? {}) as PodSpec;
      const errors: string[] = [];
      for (const item of items) {
        if (item.type === 'Container') {
          for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
            check('Container', item, c.resources?.requests ?? {}, c.resources?.limits ?? {}, errors);
          }
        } else if (item.type === 'Pod') {
          check('Pod', item, podTotals(spec, 'requests'), podTotals(spec, 'limits'), errors);
        }
      }
      return errors.length > 0 ? forbidden(request, errors) : ok;
    }
    if (isClaim(request) && (request.operation === 'CREATE' || request.operation === 'UPDATE')) {
      const errors: string[] = [];
      const res = (request.object.spec as { resources?: { requests?: ResourceList; limits?: ResourceList } })
        ?.resources;
      for (const item of defaultedItems(store, request.namespace)) {
        if (item.type !== 'PersistentVolumeClaim') continue;
        // A claim's limits are not user input; max is held against what it requests.
        const requests = res?.requests ?? {};
        for (const [k, v] of Object.entries(item.min ?? {})) {
          const e = minConstraint('PersistentVolumeClaim', k, v, requests, {});
          if (e) errors.push(e);
        }
        for (const [k, v] of Object.entries(item.max ?? {})) {
          if (requests[k] === undefined) {
            errors.push(`maximum ${k} usage per PersistentVolumeClaim is ${canonical(v)}.  No request is specified`);
          } else if (milli(requests[k])! > milli(v)!) {
            errors.push(
              `maximum ${k} usage per PersistentVolumeClaim is ${canonical(v)}, but request is ${canonical(requests[k]!)}`,
            );
          }
        }
      }
      return errors.length > 0 ? forbidden(request, errors) : ok;
    }
    return ok;
  },
};
