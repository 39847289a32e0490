/** The write path every create, update and patch goes through: decoding checks, admission, namespace lifecycle, storage. */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest, invalid, notFound, type StatusDetails, StatusError } from '@paranoid/k8s/status.ts';
import type { AdmissionRequest, AdmissionResult } from '../admission/types.ts';
import { cannotBeHandledMessage, strictDecodingMessage } from '../validation/field-validation.ts';
import { rawJsonBody } from './body.ts';
import { generateJobSelector } from './job-strategy.ts';
import { managerName, recordUpdate } from './managed-fields.ts';
import { type Any, fieldValidation, nowString, type RequestScope } from './scope.ts';
import { validateName } from './strategy.ts';
import { header, queryParam } from './types.ts';

/** Checks a decoded body's kind and apiVersion against the URL, as the apiserver's decoder does. */
export function checkKind(
  scope: RequestScope,
  body: Record<string, unknown>,
  expectKind = scope.def.kind,
  expectVersion = scope.apiVersion,
): KubeObject {
  if (typeof body.kind !== 'string' || body.kind === '') {
    throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
  }
  if (body.apiVersion !== undefined && body.apiVersion !== expectVersion) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expectVersion})`,
    );
  }
  if (body.kind !== expectKind) {
    throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${expectKind})`);
  }
  const o = body as KubeObject;
  o.apiVersion = expectVersion;
  if (!o.metadata || typeof o.metadata !== 'object' || Array.isArray(o.metadata)) o.metadata = {};
  return o;
}

/** Takes the namespace from the URL: a different one in the body is the apiserver's 400; cluster-scoped objects lose theirs. */
export function checkNamespace(scope: RequestScope, o: KubeObject, namespace: string): void {
  if (scope.def.namespaced) {
    if (o.metadata.namespace && o.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    o.metadata.namespace = namespace;
  } else {
    delete o.metadata.namespace;
  }
}

/**
 * One create or update on its way to the store: the objects, the operation and what admission and managed
 * fields need.
 */
export interface WriteArgs {
  operation: 'CREATE' | 'UPDATE';
  next: KubeObject;
  old?: KubeObject;
  subresource: string;
  dryRun: boolean;
  manager: string;
  /** Set for server-side apply, whose engine records managedFields itself. */
  managedBySchema?: boolean;
  /** Strict decoding problems found in the raw body (duplicate fields). */
  decodeProblems?: DecodeProblem[];
  /** Patches answer a bare `strict decoding error: …`; create and update wrap it as `… cannot be handled as …`. */
  isPatch?: boolean;
}

interface DecodeProblem {
  field: string;
  message: string;
  reason: string;
}

const isUnknownField = (e: DecodeProblem) =>
  e.reason === 'FieldValueUnknown' || e.reason === 'UnknownField' || /^unknown field/.test(e.message);

/** A denial as the Status the apiserver returns: the plugin's own details (with causes) when it gives them. */
export function admissionDenial(
  scope: RequestScope,
  denied: NonNullable<AdmissionResult['denied']> & { details?: StatusDetails },
  name: string,
): StatusError {
  return new StatusError(
    denied.code,
    denied.reason,
    denied.message,
    denied.details ?? { name, ...(scope.def.group ? { group: scope.def.group } : {}), kind: scope.def.resource },
  );
}

/**
 * The decoder's type check (`json: cannot unmarshal …`): always a 400, whatever the fieldValidation.
 * Create and update wrap it as `… cannot be handled as a Pod: …`.
 */
export function checkTypes(scope: RequestScope, o: KubeObject, isPatch: boolean): void {
  const problem = scope.ctx.schema.findTypeError?.(o);
  if (problem) throw badRequest(isPatch ? problem : cannotBeHandledMessage(o, problem));
}

/** Duplicate keys of a JSON body, which `JSON.parse` hides (none for YAML or protobuf bodies). */
export function duplicateFields(scope: RequestScope): DecodeProblem[] {
  const find = scope.ctx.schema.findDuplicateFields;
  if (!find || fieldValidation(scope.request) === 'Ignore') return [];
  const raw = rawJsonBody(scope.request);
  return raw === undefined ? [] : find(raw);
}

/** The AdmissionRequest the admission chain and webhooks see for this write. */
export function admissionRequest(
  scope: RequestScope,
  args: {
    operation: AdmissionRequest['operation'];
    object?: KubeObject;
    old?: KubeObject;
    name: string;
    namespace: string;
    subresource: string;
    dryRun: boolean;
  },
): AdmissionRequest {
  return {
    operation: args.operation,
    resource: { group: scope.def.group, resource: scope.def.resource, version: scope.def.version },
    subresource: args.subresource,
    kind: { group: scope.def.group, version: scope.def.version, kind: scope.def.kind },
    namespace: args.namespace,
    name: args.name,
    ...(args.object ? { object: args.object } : {}),
    ...(args.old ? { oldObject: args.old } : {}),
    userInfo: scope.user,
    dryRun: args.dryRun,
  };
}

/** NamespaceLifecycle: no new objects in a namespace that does not exist or is terminating. */
function namespaceLifecycle(scope: RequestScope, namespace: string): void {
  if (!scope.def.namespaced) return;
  const ns = scope.ctx.store.get({ group: '', resource: 'namespaces' }, undefined, namespace);
  if (!ns) throw notFound('', 'namespaces', namespace);
  if (ns.metadata.deletionTimestamp || (ns.status as Any)?.phase === 'Terminating') {
    throw new StatusError(
      403,
      'Forbidden',
      `${scope.def.group ? `${scope.def.resource}.${scope.def.group}` : scope.def.resource} "${scope.info.name || ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      {
        name: scope.info.name || '',
        ...(scope.def.group ? { group: scope.def.group } : {}),
        kind: scope.def.resource,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    );
  }
}

/**
 * The write pipeline after decoding, in kube-apiserver's order: defaulting →
 * field ownership (managedFields) → the always-on admission defaults →
 * mutating admission → name generation and registry validation → validating
 * admission → store (skipped for dryRun=All).
 */
export function write(scope: RequestScope, args: WriteArgs): KubeObject {
  const { ctx, def } = scope;
  const mode = fieldValidation(scope.request);
  let next = args.next;
  const defaults = ctx.schema.applyDefaults;
  if (defaults) next = defaults(next, { admission: false });
  if (!args.managedBySchema) next = recordManagedFields(scope, next, args);
  // ServiceAccount, Priority and DefaultTolerationSeconds admission: fields no manager owns.
  if (defaults && def.group === '' && def.kind === 'Pod') next = defaults(next);
  const namespace = next.metadata.namespace ?? '';
  for (const plugin of ctx.admission) {
    if (!plugin.mutate) continue;
    const changed = plugin.mutate(
      admissionRequest(scope, {
        operation: args.operation,
        object: next,
        old: args.old,
        name: next.metadata.name ?? '',
        namespace,
        subresource: args.subresource,
        dryRun: args.dryRun,
      }),
      ctx.store,
    );
    if (changed) next = changed;
  }
  let assignedUid: string | undefined;
  if (args.operation === 'CREATE') {
    namespaceLifecycle(scope, namespace);
    // As the registry's BeforeCreate: the name exists before validation and validating admission see the object.
    const meta = next.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + ctx.ids.suffix(5);
    // The schema engine reports a bad name among all the object's causes, as upstream's one error list.
    if (!ctx.schema.validate) validateName(def, next);
    if (def.group === 'batch' && def.resource === 'jobs') {
      // The registry gives every new object its uid before validation (BeforeCreate); the Job
      // strategy's Validate then generates a selector that names it, so the store keeps that uid.
      assignedUid = ctx.ids.uid();
      meta.uid = assignedUid;
      generateJobSelector(next);
    }
  }
  const name = next.metadata.name ?? '';
  const duplicates = args.decodeProblems ?? [];
  if (mode === 'Warn') scope.warnings.push(...duplicates.map((d) => d.message));
  if (ctx.schema.validate) {
    // Ephemeral containers have their own update rules (only additions), not the pod's.
    const old = args.subresource === 'ephemeralcontainers' ? undefined : args.old;
    const result = ctx.schema.validate(next, mode, old);
    scope.warnings.push(...result.warnings);
    const strict = [...result.errors.filter(isUnknownField), ...(mode === 'Strict' ? duplicates : [])];
    if (strict.length) {
      const message = strictDecodingMessage(strict.map((e) => ({ ...e, reason: 'FieldValueUnknown' as const })));
      throw badRequest(args.isPatch ? message : cannotBeHandledMessage(next, message));
    }
    if (result.errors.length) {
      throw invalid(
        def.group,
        def.kind,
        name,
        result.errors.map((e) => ({ field: e.field, message: e.message, reason: e.reason })),
      );
    }
  } else if (mode === 'Strict' && duplicates.length) {
    const message = strictDecodingMessage(duplicates.map((e) => ({ ...e, reason: 'FieldValueDuplicate' as const })));
    throw badRequest(args.isPatch ? message : cannotBeHandledMessage(next, message));
  }
  for (const plugin of ctx.admission) {
    if (!plugin.validate) continue;
    const result = plugin.validate(
      admissionRequest(scope, {
        operation: args.operation,
        object: next,
        old: args.old,
        name,
        namespace,
        subresource: args.subresource,
        dryRun: args.dryRun,
      }),
      ctx.store,
    );
    scope.warnings.push(...result.warnings);
    if (result.denied) throw admissionDenial(scope, result.denied, name);
  }
  if (args.dryRun) {
    if (args.operation === 'CREATE') {
      const meta = next.metadata;
      meta.uid = assignedUid ?? ctx.ids.uid();
      meta.creationTimestamp = nowString(ctx);
      delete meta.resourceVersion;
    }
    return next;
  }
  if (args.operation === 'CREATE')
    return ctx.store.create(scope.gr, next, assignedUid ? { uid: assignedUid } : undefined);
  return ctx.store.update(scope.gr, next);
}

/** managedFields of a non-apply write: the schema engine's field sets, else top-level fields only. */
function recordManagedFields(scope: RequestScope, next: KubeObject, args: WriteArgs): KubeObject {
  const now = nowString(scope.ctx);
  const update = scope.ctx.schema.updateManagedFields;
  if (update) return update(args.old, next, args.manager, 'Update', now, args.subresource || undefined);
  recordUpdate(next, args.old, args.manager, args.subresource, now);
  return next;
}

/** The field manager of a write: `?fieldManager=`, else the client named by its user agent, as upstream. */
export function manager(scope: RequestScope): string {
  return managerName(queryParam(scope.request, 'fieldManager'), header(scope.request, 'user-agent'));
}

/** Takes the name from the URL: a different one in the body is the apiserver's 400. */
export function checkName(o: KubeObject, name: string): void {
  if (o.metadata.name && o.metadata.name !== name) {
    throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
  }
  o.metadata.name = name;
}
