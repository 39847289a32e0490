/** PATCH: JSON, merge, strategic merge and server-side apply (upstream: handlers/patch.go). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest, conflict, notFound, StatusError } from '@paranoid/k8s/status.ts';
import { decodeBody, mediaType } from './body.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { clone, isDryRun, nowString, type RequestScope, reply, storeKeyNamespace, typed } from './scope.ts';
import { applyStrategicMergeFallback } from './strategic-merge-fallback.ts';
import { prepareForCreate } from './strategy.ts';
import { type ApiResponse, header, queryParam } from './types.ts';
import { updateObject } from './update.ts';
import { checkKind, checkName, checkNamespace, checkTypes, duplicateFields, write } from './write.ts';

/** The patch content types the API accepts; any other is 415 Unsupported Media Type. */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** Computes the patched object from the live one. */
function patched(scope: RequestScope, live: KubeObject, type: string, patchBody: unknown): KubeObject {
  const gvk = { group: scope.def.group, version: scope.def.version, kind: scope.def.kind };
  let result: unknown;
  if (type === 'application/json-patch+json') result = applyJsonPatch(live, patchBody);
  else if (type === 'application/merge-patch+json') result = applyMergePatch(live, patchBody);
  else {
    if (!patchBody || typeof patchBody !== 'object' || Array.isArray(patchBody)) {
      throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
    }
    result = scope.ctx.schema.strategicMergePatch
      ? scope.ctx.schema.strategicMergePatch(live, patchBody, gvk)
      : applyStrategicMergeFallback(live, patchBody);
  }
  if (!result || typeof result !== 'object' || Array.isArray(result))
    throw badRequest('patch did not produce an object');
  const o = result as KubeObject;
  if (o.kind !== undefined && o.kind !== scope.def.kind)
    throw badRequest(`the kind in the data (${o.kind}) does not match the expected kind (${scope.def.kind})`);
  o.apiVersion = scope.apiVersion;
  o.kind = scope.def.kind;
  if (!o.metadata || typeof o.metadata !== 'object') o.metadata = {};
  return o;
}

/** Serves a PATCH (JSON, merge, strategic merge or apply) of an object or its subresource. */
export function patch(scope: RequestScope, namespace: string, subresource: string): ApiResponse {
  const { ctx, request, def } = scope;
  const type = mediaType(header(request, 'content-type'));
  if (!PATCH_TYPES.includes(type)) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
    );
  }
  if (def.custom && type === 'application/strategic-merge-patch+json') {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.filter((t) => !t.startsWith('application/strategic')).join(', ')}`,
    );
  }
  const body = decodeBody(request, [type]);
  const dryRun = isDryRun(request);
  const name = scope.info.name;
  const live = ctx.store.get(scope.gr, storeKeyNamespace(def, namespace), name);
  if (type === 'application/apply-patch+yaml')
    return serverSideApply(scope, namespace, live, body, dryRun, subresource);
  if (!live) throw notFound(def.group, def.resource, name);
  const next = patched(scope, clone(live), type, body);
  checkNamespace(scope, next, namespace);
  checkName(next, name);
  if (next.metadata.resourceVersion && next.metadata.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      def.group,
      def.resource,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  next.metadata.resourceVersion = live.metadata.resourceVersion;
  next.metadata.uid = live.metadata.uid;
  checkTypes(scope, next, true);
  const updated = updateObject(scope, next, live, subresource, dryRun, {
    isPatch: true,
    decodeProblems: type === 'application/json-patch+json' ? [] : duplicateFields(scope),
  });
  return reply(scope, 200, typed(scope, updated));
}

function serverSideApply(
  scope: RequestScope,
  namespace: string,
  live: KubeObject | undefined,
  body: unknown,
  dryRun: boolean,
  subresource: string,
): ApiResponse {
  const { ctx, request, def } = scope;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('error decoding YAML: the apply patch must be an object');
  const applied = checkKind(scope, body as Record<string, unknown>);
  checkNamespace(scope, applied, namespace);
  checkName(applied, scope.info.name);
  const mgr = queryParam(request, 'fieldManager');
  if (!mgr)
    throw badRequest(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  const force = queryParam(request, 'force') === 'true';
  const now = nowString(ctx);
  let object: KubeObject;
  if (ctx.schema.serverSideApply) {
    object = ctx.schema.serverSideApply({
      ...(live ? { live: clone(live) } : {}),
      applied: clone(applied),
      manager: mgr,
      force,
      now,
    }).object;
  } else {
    object = live ? (applyMergePatch(clone(live), stripApplyMeta(applied)) as KubeObject) : clone(applied);
    const entries = (live?.metadata.managedFields ?? []).filter((e) => !(e.manager === mgr && e.operation === 'Apply'));
    entries.push({
      manager: mgr,
      operation: 'Apply',
      apiVersion: scope.apiVersion,
      time: now,
      fieldsType: 'FieldsV1',
      fieldsV1: {},
    });
    object.metadata.managedFields = entries;
  }
  object.apiVersion = scope.apiVersion;
  object.kind = def.kind;
  checkNamespace(scope, object, namespace);
  object.metadata.name = scope.info.name;
  if (!live) {
    delete object.metadata.resourceVersion;
    prepareForCreate(ctx, def, object);
    const created = write(scope, {
      operation: 'CREATE',
      next: object,
      subresource: '',
      dryRun,
      manager: mgr,
      managedBySchema: true,
      isPatch: true,
    });
    return reply(scope, 201, typed(scope, created));
  }
  object.metadata.resourceVersion = live.metadata.resourceVersion;
  const updated = updateObject(scope, object, live, subresource, dryRun, { managedBySchema: true, isPatch: true });
  return reply(scope, 200, typed(scope, updated));
}

function stripApplyMeta(applied: KubeObject): KubeObject {
  const o = clone(applied);
  delete o.metadata.managedFields;
  delete o.metadata.resourceVersion;
  return o;
}
