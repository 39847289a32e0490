/** The scale subresource of Deployments, ReplicaSets and StatefulSets (autoscaling/v1 Scale). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { conflict, invalid, StatusError } from '@paranoid/k8s/status.ts';
import { decodeBody, decodeObject, mediaType } from './body.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { PATCH_TYPES } from './patch.ts';
import { type Any, clone, isDryRun, mustGet, type RequestScope, reply } from './scope.ts';
import { type ApiResponse, header } from './types.ts';
import { manager, write } from './write.ts';

function scaleOf(o: KubeObject): KubeObject {
  const spec = (o.spec as Any) ?? {};
  const st = (o.status as Any) ?? {};
  const sel = spec.selector;
  let selector = '';
  if (sel && typeof sel === 'object') {
    const parts: string[] = Object.entries((sel.matchLabels as Record<string, string>) ?? sel)
      .filter(([k]) => k !== 'matchExpressions')
      .map(([k, v]) => `${k}=${v}`);
    for (const e of (sel.matchExpressions as Any[]) ?? []) {
      parts.push(
        e.operator === 'Exists'
          ? e.key
          : e.operator === 'DoesNotExist'
            ? `!${e.key}`
            : `${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(',')})`,
      );
    }
    selector = parts.join(',');
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: st.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

/** Serves the scale subresource of a workload: reads or sets its replicas. */
export function scale(scope: RequestScope, namespace: string): ApiResponse {
  const { info, request } = scope;
  const live = mustGet(scope, namespace, info.name);
  const current = scaleOf(live);
  if (info.verb === 'get') return reply(scope, 200, current);
  let desired: KubeObject;
  if (info.verb === 'update') {
    desired = decodeObject(request) as KubeObject;
  } else {
    const type = mediaType(header(request, 'content-type'));
    if (!PATCH_TYPES.includes(type) || type === 'application/apply-patch+yaml') {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.slice(0, 3).join(', ')}`,
      );
    }
    const body = decodeBody(request, [type]);
    desired = (
      type === 'application/json-patch+json' ? applyJsonPatch(current, body) : applyMergePatch(current, body)
    ) as KubeObject;
  }
  const rv = desired.metadata?.resourceVersion;
  if (rv && rv !== live.metadata.resourceVersion) {
    throw conflict(
      scope.def.group,
      scope.def.resource,
      info.name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  const replicas = (desired.spec as Any)?.replicas;
  if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
    throw invalid('autoscaling', 'Scale', info.name, [
      {
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        reason: 'FieldValueInvalid',
      },
    ]);
  }
  const next = clone(live);
  (next.spec as Any).replicas = replicas;
  const updated = write(scope, {
    operation: 'UPDATE',
    next,
    old: live,
    subresource: 'scale',
    dryRun: isDryRun(request),
    manager: manager(scope),
  });
  return reply(scope, 200, scaleOf(updated));
}
