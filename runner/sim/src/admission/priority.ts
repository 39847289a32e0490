/**
 * The Priority admission plugin (plugin/pkg/admission/priority): resolves a pod's
 * `priorityClassName` to `spec.priority` and `spec.preemptionPolicy` at creation, falls back to
 * the class marked `globalDefault`, and refuses a class that does not exist or a priority the pod
 * wrote itself. It also refuses user-defined PriorityClasses above the user range and the
 * reserved `system-` prefix, as the API's validation of PriorityClass does. The kubelet's eviction
 * ranking and the scheduler read the resolved `spec.priority`, never the class name.
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ObjectStore } from '../store.ts';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from './types.ts';

const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

/** scheduling.HighestUserDefinablePriority: user classes may not go above one billion. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** scheduling.SystemCriticalPriority: the value at and above which a pod is critical. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
const SYSTEM_CLASSES = new Set(['system-cluster-critical', 'system-node-critical']);

interface PriorityClass extends KubeObject {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

const isPodCreate = (r: AdmissionRequest): boolean =>
  r.operation === 'CREATE' && r.resource.group === '' && r.resource.resource === 'pods' && r.subresource === '';

const isClassWrite = (r: AdmissionRequest): boolean =>
  (r.operation === 'CREATE' || r.operation === 'UPDATE') &&
  r.resource.group === PRIORITY_CLASSES.group &&
  r.resource.resource === PRIORITY_CLASSES.resource &&
  r.subresource === '';

/** The class a pod without a name gets: the globalDefault one with the highest value, as upstream picks. */
function globalDefault(store: ObjectStore): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const pc of store.list(PRIORITY_CLASSES) as PriorityClass[]) {
    if (pc.globalDefault === true && (best === undefined || (pc.value ?? 0) > (best.value ?? 0))) best = pc;
  }
  return best;
}

interface Resolved {
  name?: string;
  value: number;
  preemptionPolicy: string;
}

function resolve(spec: Record<string, unknown>, store: ObjectStore): Resolved | string {
  const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  if (name === '') {
    const def = globalDefault(store);
    if (!def) return { value: 0, preemptionPolicy: 'PreemptLowerPriority' };
    return {
      name: def.metadata.name,
      value: def.value ?? 0,
      preemptionPolicy: def.preemptionPolicy ?? 'PreemptLowerPriority',
    };
  }
  const pc = store.get(PRIORITY_CLASSES, '', name) as PriorityClass | undefined;
  if (!pc) return `no PriorityClass with name ${name} was found`;
  return { name, value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy ?? 'PreemptLowerPriority' };
}

function forbidden(request: AdmissionRequest, why: string): AdmissionResult {
  const name = request.name || request.object?.metadata.name || '';
  return {
    warnings: [],
    denied: { code: 403, reason: 'Forbidden', message: `pods ${JSON.stringify(name)} is forbidden: ${why}` },
  };
}

function invalidClass(request: AdmissionRequest, field: string, value: unknown, why: string): AdmissionResult {
  const name = request.name || request.object?.metadata.name || '';
  return {
    warnings: [],
    denied: {
      code: 422,
      reason: 'Invalid',
      message: `PriorityClass.scheduling.k8s.io ${JSON.stringify(name)} is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${why}`,
    },
  };
}

/** Upstream's Priority admission: resolves a pod's priorityClassName into its priority, and refuses unknown classes. */
export const priorityAdmission: AdmissionPlugin = {
  name: 'Priority',
  mutate(request, store) {
    if (!isPodCreate(request) || !request.object) return undefined;
    const spec = (request.object.spec ?? {}) as Record<string, unknown>;
    const resolved = resolve(spec, store);
    if (typeof resolved === 'string') return undefined;
    const next = JSON.parse(JSON.stringify(request.object)) as KubeObject;
    const nextSpec = (next.spec ?? {}) as Record<string, unknown>;
    // Defaulting wrote 0 for a pod without a class name; the plugin owns the value from here on.
    if (resolved.name !== undefined) nextSpec.priorityClassName = resolved.name;
    if (spec.priority === undefined || (spec.priority === 0 && !spec.priorityClassName))
      nextSpec.priority = resolved.value;
    nextSpec.preemptionPolicy = resolved.preemptionPolicy;
    next.spec = nextSpec;
    return next;
  },
  validate(request, store) {
    if (isClassWrite(request) && request.object) {
      const pc = request.object as PriorityClass;
      const name = pc.metadata.name ?? '';
      if (!SYSTEM_CLASSES.has(name) && name.startsWith('system-'))
        return invalidClass(
          request,
          'metadata.name',
          name,
          "priority class names with 'system-' prefix are reserved for system use only",
        );
      if (!SYSTEM_CLASSES.has(name) && (pc.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY)
        return invalidClass(
          request,
          'value',
          pc.value,
          `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
        );
      return { warnings: [] };
    }
    if (!isPodCreate(request) || !request.object) return { warnings: [] };
    const spec = (request.object.spec ?? {}) as Record<string, unknown>;
    const resolved = resolve(spec, store);
    if (typeof resolved === 'string') return forbidden(request, resolved);
    if (typeof spec.priority === 'number' && spec.priority !== resolved.value) {
      return forbidden(
        request,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${resolved.value} from the given PriorityClass name`,
      );
    }
    return { warnings: [] };
  },
};
