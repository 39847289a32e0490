/**
 * The ClusterRole aggregation controller (pkg/controller/clusterroleaggregation):
 * a ClusterRole with an aggregationRule gets, as its rules, the union of the rules
 * of every other ClusterRole its selectors match, in name order, without duplicates.
 * This is what gives admin, edit and view their rules.
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { AggregationRule, PolicyRule } from 'kubernetes-types/rbac/v1';
import type { Clock } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import { RBAC_GROUP } from './authorizer.ts';
import { selectorMatches } from './label-selector.ts';

const CLUSTER_ROLES = { group: RBAC_GROUP, resource: 'clusterroles' } as const;

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Semantic equality of rules: nil and empty lists are the same. */
const ruleKey = (r: PolicyRule): string =>
  JSON.stringify(
    sortKeys({
      verbs: r.verbs ?? [],
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      resourceNames: r.resourceNames ?? [],
      nonResourceURLs: r.nonResourceURLs ?? [],
    }),
  );

/** The rules an aggregated ClusterRole should have, given every ClusterRole now stored. */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): PolicyRule[] {
  const rule = role.aggregationRule as AggregationRule | undefined;
  const selectors = rule?.clusterRoleSelectors ?? [];
  const matched = new Map<string, KubeObject>();
  for (const selector of selectors) {
    for (const other of all) {
      const name = other.metadata.name ?? '';
      if (name !== role.metadata.name && selectorMatches(selector, other.metadata.labels)) matched.set(name, other);
    }
  }
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const name of [...matched.keys()].sort()) {
    for (const r of (matched.get(name)!.rules as PolicyRule[] | null) ?? []) {
      const key = ruleKey(r);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

const sameRules = (a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean =>
  a.length === b.length && a.every((r, i) => ruleKey(r) === ruleKey(b[i]!));

/**
 * Brings every aggregated ClusterRole's rules up to date, repeating until nothing
 * changes (so view → edit → admin chains settle in one call). Returns how many
 * roles were updated.
 */
export function aggregateClusterRoles(store: ObjectStore): number {
  let updates = 0;
  // Each pass can only fill one more link of a chain; a cluster has few links.
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    const all = store.list(CLUSTER_ROLES);
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const want = aggregatedRules(role, store.list(CLUSTER_ROLES));
      const have = (role.rules as PolicyRule[] | null) ?? [];
      if (role.rules != null && sameRules(want, have)) continue;
      const current = store.get(CLUSTER_ROLES, undefined, role.metadata.name ?? '');
      if (!current) continue;
      store.update(CLUSTER_ROLES, { ...current, rules: want });
      changed = true;
      updates++;
    }
    if (!changed) break;
  }
  return updates;
}

/**
 * onStart hook: aggregates now, then again after any ClusterRole changes. The
 * work runs in a microtask, not inside the store's notification, so it never
 * writes in the middle of another write; unlike a clock timer it needs no clock
 * to advance, so `kubectl auth can-i` right after a change already sees it.
 * `clock` is accepted for the onStart hook shape. Returns the stop function.
 */
export function clusterRoleAggregation(store: ObjectStore, _clock?: Clock): () => void {
  let pending = false;
  let stopped = false;
  aggregateClusterRoles(store);
  const unsubscribe = store.subscribe((event) => {
    if (event.resource.group !== RBAC_GROUP || event.resource.resource !== 'clusterroles') return;
    if (pending || stopped) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      if (!stopped) aggregateClusterRoles(store);
    });
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
