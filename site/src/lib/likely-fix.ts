import type { ObjectRef } from './api.ts';

/** Kinds a learner edits to fix a scenario, most likely first; Secrets and ConfigMaps are never opened unasked. */
const KIND_ORDER = [
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'CronJob',
  'Pod',
  'Service',
  'NetworkPolicy',
  'Namespace',
];

/**
 * The live objects the Editor opens first: those the fix steps name, workloads
 * before the rest. Ranked by how often the object's name appears in the steps'
 * text, so `node-monitor` wins in root-container-escape and the dashboard's
 * Deployment in exposed-dashboard, without any per-scenario list to keep in step.
 */
export function likelyToFix(objects: ObjectRef[], fixText: string, most = 2): ObjectRef[] {
  const text = fixText.toLowerCase();
  const mentions = (name: string) => {
    const word = new RegExp(
      `(^|[^a-z0-9-])${name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9-])`,
      'g',
    );
    return text.match(word)?.length ?? 0;
  };
  const rank = (kind: string) => {
    const i = KIND_ORDER.indexOf(kind);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return objects
    .filter((o) => KIND_ORDER.includes(o.kind) && o.kind !== 'Namespace')
    .map((o) => ({ o, score: mentions(o.name) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => rank(a.o.kind) - rank(b.o.kind) || b.score - a.score || a.o.name.localeCompare(b.o.name))
    .slice(0, most)
    .map((x) => x.o);
}
