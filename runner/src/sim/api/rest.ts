import type { AdmissionRequest, AdmissionResult } from '../admission/types.ts';
import type { UserInfo } from '../identity.ts';
import type { GroupResource, KubeObject } from '../object.ts';
import type { ResourceDef } from '../resources.ts';
import { badRequest, conflict, invalid, notFound, type StatusDetails, StatusError } from '../status.ts';
import { cannotBeHandledMessage, strictDecodingMessage } from '../validation/field-validation.ts';
import { decodeBody, decodeObject, mediaType, rawJsonBody } from './body.ts';
import type { ApiContext } from './context.ts';
import { afterDelete } from './fallback-controllers.ts';
import { mustAuthorize, negotiate, notFoundPath, respond } from './handler.ts';
import { applyJsonPatch } from './json-patch.ts';
import { managerName, recordUpdate } from './managed-fields.ts';
import { applyMergePatch } from './merge-patch.ts';
import { execResponse, logResponse } from './pod-connect.ts';
import type { ResourceRequestInfo } from './request-info.ts';
import { handleMetrics, handleReview } from './reviews.ts';
import { fieldMatcher, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { applyStrategicMergeFallback } from './strategic-merge-fallback.ts';
import { prepareForCreate, prepareForUpdate, validateName } from './strategy.ts';
import { columnsFor, toTable } from './table.ts';
import { type ApiRequest, type ApiResponse, header, queryParam } from './types.ts';
import { watchResponse } from './watch.ts';

// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds are read here by field path, as the apiserver's printers and strategies do.
type Any = Record<string, any>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export interface RequestScope {
  ctx: ApiContext;
  request: ApiRequest;
  user: UserInfo;
  def: ResourceDef;
  info: ResourceRequestInfo;
  gr: GroupResource;
  apiVersion: string;
  warnings: string[];
}

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** How long a deleted running pod takes to go when no kubelet says otherwise. */
const POD_STOP_SECONDS = 1;

const nowString = (ctx: ApiContext) => new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

const methodNotAllowed = () =>
  new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

function warningHeaders(warnings: string[]): Record<string, string[]> {
  const unique = [...new Set(warnings)];
  return unique.length ? { warning: unique.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}

function reply(scope: RequestScope, status: number, value: unknown): ApiResponse {
  return respond(scope.request, status, value, warningHeaders(scope.warnings));
}

/** Whether the client asked for a `meta.k8s.io` Table. */
function wantsTable(request: ApiRequest): boolean {
  const accept = header(request, 'accept') ?? '';
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('as=Table') && p.includes('g=meta.k8s.io');
  });
}

function includeObject(request: ApiRequest): 'None' | 'Metadata' | 'Object' {
  const v = queryParam(request, 'includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** The object as the apiserver returns it: with apiVersion and kind of the served version. */
function typed(scope: RequestScope, o: KubeObject): KubeObject {
  return { ...o, apiVersion: scope.apiVersion, kind: scope.def.kind };
}

function isDryRun(request: ApiRequest): boolean {
  const values = request.query.dryRun ?? [];
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid value: "${v}": supported values: "All"`);
  return values.includes('All');
}

function fieldValidation(request: ApiRequest): 'Strict' | 'Warn' | 'Ignore' {
  const v = queryParam(request, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/** Entry point for a request on a served resource. */
export function handleResource(
  ctx: ApiContext,
  request: ApiRequest,
  user: UserInfo,
  def: ResourceDef,
  info: ResourceRequestInfo,
): ApiResponse {
  const scope: RequestScope = {
    ctx,
    request,
    user,
    def,
    info,
    gr: { group: def.group, resource: def.resource },
    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
    warnings: [],
  };
  const isNamespaceResource = def.group === '' && def.resource === 'namespaces';
  if (!def.namespaced && info.namespace && !isNamespaceResource) throw notFoundPath();
  mustAuthorize(ctx, {
    user,
    resourceRequest: true,
    verb: info.verb,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  });
  if (def.group === 'metrics.k8s.io') return handleMetrics(scope);
  if (def.group === '' && def.resource === 'componentstatuses') return componentStatuses(scope);
  if (def.virtual) {
    if (info.verb !== 'create' || info.name) throw methodNotAllowed();
    return handleReview(scope);
  }
  const namespace = def.namespaced ? info.namespace : '';
  if (info.subresource) return handleSubresource(scope, namespace);
  if (def.namespaced && !namespace && !['list', 'watch'].includes(info.verb)) {
    throw info.verb === 'create' ? methodNotAllowed() : notFoundPath();
  }
  if (!def.verbs.includes(info.verb)) throw methodNotAllowed();
  // Collections take no PUT or PATCH, and named objects no POST.
  if ((info.verb === 'update' || info.verb === 'patch') && !info.name) throw methodNotAllowed();
  if (info.verb === 'create' && info.name) throw methodNotAllowed();
  switch (info.verb) {
    case 'get':
      return getOne(scope, namespace);
    case 'list':
      return list(scope, namespace);
    case 'watch':
      return watch(scope, namespace);
    case 'create':
      return create(scope, namespace);
    case 'update':
      return update(scope, namespace, '');
    case 'patch':
      return patch(scope, namespace, '');
    case 'delete':
      return remove(scope, namespace);
    case 'deletecollection':
      return deleteCollection(scope, namespace);
  }
  throw methodNotAllowed();
}

/** The control plane components `kubectl get componentstatuses` reports, as kube-apiserver 1.32 probes them. */
const COMPONENTS = ['scheduler', 'controller-manager', 'etcd-0'];

/** `componentstatuses`: computed on each request, never stored; deprecated since 1.19, as the warning says. */
function componentStatuses(scope: RequestScope): ApiResponse {
  scope.warnings.push('v1 ComponentStatus is deprecated in v1.19+');
  const status = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ComponentStatus',
    metadata: { name },
    conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
  });
  const table = (items: KubeObject[]) =>
    toTable(columnsFor(scope.def), items, {
      now: scope.ctx.clock.now(),
      includeObject: includeObject(scope.request),
      withDefinitions: true,
    });
  if (scope.info.verb === 'get') {
    if (!COMPONENTS.includes(scope.info.name)) throw notFound('', 'componentstatuses', scope.info.name);
    const one = status(scope.info.name);
    return reply(scope, 200, wantsTable(scope.request) ? table([one]) : one);
  }
  if (scope.info.verb !== 'list') throw methodNotAllowed();
  const items = COMPONENTS.map(status);
  if (wantsTable(scope.request)) return reply(scope, 200, table(items));
  return reply(scope, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items });
}

function storeKeyNamespace(def: ResourceDef, namespace: string): string | undefined {
  return def.namespaced ? namespace : undefined;
}

function mustGet(scope: RequestScope, namespace: string, name: string): KubeObject {
  const o = scope.ctx.store.get(scope.gr, storeKeyNamespace(scope.def, namespace), name);
  if (!o) throw notFound(scope.def.group, scope.def.resource, name);
  return o;
}

function getOne(scope: RequestScope, namespace: string): ApiResponse {
  const o = typed(scope, mustGet(scope, namespace, scope.info.name));
  if (wantsTable(scope.request)) {
    return reply(
      scope,
      200,
      toTable(columnsFor(scope.def), [o], {
        now: scope.ctx.clock.now(),
        includeObject: includeObject(scope.request),
        withDefinitions: true,
        resourceVersion: o.metadata.resourceVersion,
      }),
    );
  }
  return reply(scope, 200, o);
}

function selectorMatcher(scope: RequestScope): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(queryParam(scope.request, 'labelSelector') ?? '');
  // The bare `field label not supported: …`: kubectl itself wraps list errors as `Unable to find "…" that match …`.
  const fields = fieldMatcher(scope.def.resource, parseFieldSelector(queryParam(scope.request, 'fieldSelector') ?? ''));
  return (o) => matchesLabels(labels, o.metadata.labels) && fields(o);
}

function list(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, request, def } = scope;
  const matches = selectorMatcher(scope);
  const rv = ctx.store.resourceVersion();
  // Read-only from here to the encoded response: the stored objects are not copied.
  let items = (ctx.store.scan(scope.gr, def.namespaced && namespace ? namespace : undefined) as KubeObject[]).filter(
    matches,
  );
  const limit = Number(queryParam(request, 'limit') ?? 0);
  let offset = 0;
  const cont = queryParam(request, 'continue');
  if (cont) {
    try {
      const token = JSON.parse(atob(cont)) as { o: number };
      offset = Number(token.o) || 0;
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
  }
  let continueToken: string | undefined;
  if (offset) items = items.slice(offset);
  if (limit > 0 && items.length > limit) {
    continueToken = btoa(JSON.stringify({ o: offset + limit, rv }));
    items = items.slice(0, limit);
  }
  const typedItems = items.map((o) => typed(scope, o));
  if (wantsTable(request)) {
    return reply(
      scope,
      200,
      toTable(columnsFor(def), typedItems, {
        now: ctx.clock.now(),
        includeObject: includeObject(request),
        withDefinitions: true,
        resourceVersion: rv,
        continueToken,
      }),
    );
  }
  return reply(scope, 200, {
    kind: `${def.kind}List`,
    apiVersion: scope.apiVersion,
    metadata: { resourceVersion: rv, ...(continueToken ? { continue: continueToken } : {}) },
    items: typedItems,
  });
}

function watch(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, request, def } = scope;
  negotiate(request);
  const matches = selectorMatcher(scope);
  const table = wantsTable(request);
  const columns = columnsFor(def);
  const timeout = queryParam(request, 'timeoutSeconds');
  return watchResponse(ctx, {
    resource: scope.gr,
    namespace: def.namespaced ? namespace : '',
    matches,
    resourceVersion: queryParam(request, 'resourceVersion'),
    timeoutSeconds: timeout ? Number(timeout) : undefined,
    allowBookmarks: queryParam(request, 'allowWatchBookmarks') === 'true',
    sendInitialEvents: queryParam(request, 'sendInitialEvents') === 'true',
    listKind: { apiVersion: scope.apiVersion, kind: def.kind },
    contentType: 'application/json',
    encode: (o, first) =>
      table
        ? toTable(columns, [typed(scope, o)], {
            now: ctx.clock.now(),
            includeObject: includeObject(request),
            withDefinitions: first,
            resourceVersion: o.metadata.resourceVersion,
          })
        : typed(scope, o),
  });
}

/** Checks a decoded body's kind and apiVersion against the URL, as the apiserver's decoder does. */
function checkKind(
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

function checkNamespace(scope: RequestScope, o: KubeObject, namespace: string): void {
  if (scope.def.namespaced) {
    if (o.metadata.namespace && o.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    o.metadata.namespace = namespace;
  } else {
    delete o.metadata.namespace;
  }
}

interface WriteArgs {
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
function admissionDenial(
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
function checkTypes(scope: RequestScope, o: KubeObject, isPatch: boolean): void {
  const problem = scope.ctx.schema.findTypeError?.(o);
  if (problem) throw badRequest(isPatch ? problem : cannotBeHandledMessage(o, problem));
}

/** Duplicate keys of a JSON body, which `JSON.parse` hides (none for YAML or protobuf bodies). */
function duplicateFields(scope: RequestScope): DecodeProblem[] {
  const find = scope.ctx.schema.findDuplicateFields;
  if (!find || fieldValidation(scope.request) === 'Ignore') return [];
  const raw = rawJsonBody(scope.request);
  return raw === undefined ? [] : find(raw);
}

function admissionRequest(
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
function write(scope: RequestScope, args: WriteArgs): KubeObject {
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
  if (args.operation === 'CREATE') {
    namespaceLifecycle(scope, namespace);
    // As the registry's BeforeCreate: the name exists before validation and validating admission see the object.
    const meta = next.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + ctx.ids.suffix(5);
    // The schema engine reports a bad name among all the object's causes, as upstream's one error list.
    if (!ctx.schema.validate) validateName(def, next);
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
      meta.uid = ctx.ids.uid();
      meta.creationTimestamp = nowString(ctx);
      delete meta.resourceVersion;
    }
    return next;
  }
  return args.operation === 'CREATE' ? ctx.store.create(scope.gr, next) : ctx.store.update(scope.gr, next);
}

/** managedFields of a non-apply write: the schema engine's field sets, else top-level fields only. */
function recordManagedFields(scope: RequestScope, next: KubeObject, args: WriteArgs): KubeObject {
  const now = nowString(scope.ctx);
  const update = scope.ctx.schema.updateManagedFields;
  if (update) return update(args.old, next, args.manager, 'Update', now, args.subresource || undefined);
  recordUpdate(next, args.old, args.manager, args.subresource, now);
  return next;
}

function manager(scope: RequestScope): string {
  return managerName(queryParam(scope.request, 'fieldManager'), header(scope.request, 'user-agent'));
}

function create(scope: RequestScope, namespace: string): ApiResponse {
  const body = decodeObject(scope.request);
  const o = checkKind(scope, body);
  checkNamespace(scope, o, namespace);
  for (const k of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
    'selfLink',
  ] as const) {
    delete o.metadata[k as keyof typeof o.metadata];
  }
  if (!o.metadata.name && !o.metadata.generateName) {
    throw invalid(scope.def.group, scope.def.kind, '', [
      {
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        reason: 'FieldValueRequired',
      },
    ]);
  }
  checkTypes(scope, o, false);
  const decodeProblems = duplicateFields(scope);
  prepareForCreate(scope.ctx, scope.def, o);
  const created = write(scope, {
    operation: 'CREATE',
    next: o,
    subresource: '',
    dryRun: isDryRun(scope.request),
    manager: manager(scope),
    decodeProblems,
  });
  return reply(scope, 201, typed(scope, created));
}

function checkName(o: KubeObject, name: string): void {
  if (o.metadata.name && o.metadata.name !== name) {
    throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
  }
  o.metadata.name = name;
}

/** Applies an update of the main resource or its status subresource. */
function updateObject(
  scope: RequestScope,
  next: KubeObject,
  old: KubeObject,
  subresource: string,
  dryRun: boolean,
  extra: Pick<WriteArgs, 'managedBySchema' | 'decodeProblems' | 'isPatch'> = {},
): KubeObject {
  const prepared = prepareForUpdate(scope.ctx, scope.def, next, old, subresource);
  return write(scope, {
    operation: 'UPDATE',
    next: prepared,
    old,
    subresource,
    dryRun,
    manager: manager(scope),
    ...extra,
  });
}

function update(scope: RequestScope, namespace: string, subresource: string): ApiResponse {
  const body = decodeObject(scope.request);
  const o = checkKind(scope, body);
  checkNamespace(scope, o, namespace);
  checkName(o, scope.info.name);
  const old = mustGet(scope, namespace, scope.info.name);
  if (o.metadata.resourceVersion && o.metadata.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(
      scope.def.group,
      scope.def.resource,
      scope.info.name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  if (old.metadata.uid && o.metadata.uid && o.metadata.uid !== old.metadata.uid) {
    throw conflict(
      scope.def.group,
      scope.def.resource,
      scope.info.name,
      `Precondition failed: UID in precondition: ${o.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
    );
  }
  o.metadata.resourceVersion = old.metadata.resourceVersion;
  checkTypes(scope, o, false);
  const updated = updateObject(scope, o, old, subresource, isDryRun(scope.request), {
    decodeProblems: duplicateFields(scope),
  });
  return reply(scope, 200, typed(scope, updated));
}

const PATCH_TYPES = [
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

function patch(scope: RequestScope, namespace: string, subresource: string): ApiResponse {
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

interface DeleteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

function deleteOptions(request: ApiRequest): DeleteOptions {
  let opts: DeleteOptions = {};
  if (request.body && request.body.length > 0) {
    const body = decodeObject(request);
    opts = body as DeleteOptions;
  }
  const q = (k: string) => queryParam(request, k);
  if (q('propagationPolicy')) opts.propagationPolicy = q('propagationPolicy');
  if (q('gracePeriodSeconds') !== undefined) opts.gracePeriodSeconds = Number(q('gracePeriodSeconds'));
  if (q('orphanDependents') === 'true') opts.propagationPolicy = 'Orphan';
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw invalid('', 'DeleteOptions', '', [
      {
        field: 'propagationPolicy',
        message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        reason: 'FieldValueNotSupported',
      },
    ]);
  }
  return opts;
}

/** Deletes one object the way the registry does: finalizers and graceful pods wait, everything else goes now. */
export function deleteObject(
  scope: RequestScope,
  namespace: string,
  name: string,
  opts: DeleteOptions,
  dryRun: boolean,
): { object: KubeObject; deleted: boolean } {
  const { ctx, def } = scope;
  const live = mustGet(scope, namespace, name);
  if (opts.preconditions?.uid && opts.preconditions.uid !== live.metadata.uid) {
    throw conflict(
      def.group,
      def.resource,
      name,
      `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${live.metadata.uid}`,
    );
  }
  if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      def.group,
      def.resource,
      name,
      `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
    );
  }
  if (def.group === '' && def.resource === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) {
    // NamespaceLifecycle keeps the system namespaces.
    throw new StatusError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      name,
      kind: 'namespaces',
    });
  }
  for (const plugin of ctx.admission) {
    if (!plugin.validate) continue;
    const result = plugin.validate(
      admissionRequest(scope, { operation: 'DELETE', old: live, name, namespace, subresource: '', dryRun }),
      ctx.store,
    );
    scope.warnings.push(...result.warnings);
    if (result.denied) throw admissionDenial(scope, result.denied, name);
  }
  if (dryRun) return { object: live, deleted: false };
  if (live.metadata.deletionTimestamp) return { object: live, deleted: false };
  const finalizers = [...(live.metadata.finalizers ?? [])];
  if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
    finalizers.push('foregroundDeletion');
  const now = ctx.clock.now();
  const isNamespace = def.group === '' && def.resource === 'namespaces';
  const pod = def.group === '' && def.resource === 'pods';
  const podSpec = (live.spec as Any) ?? {};
  const phase = (live.status as Any)?.phase;
  let grace = 0;
  if (pod && podSpec.nodeName && phase !== 'Succeeded' && phase !== 'Failed') {
    grace = opts.gracePeriodSeconds ?? podSpec.terminationGracePeriodSeconds ?? 30;
    if (grace < 0) grace = 0;
  }
  if (finalizers.length === 0 && grace === 0 && !isNamespace) {
    const gone = ctx.store.delete(scope.gr, storeKeyNamespace(def, namespace), name);
    afterDelete(ctx, scope.gr, gone);
    return { object: gone, deleted: true };
  }
  const next = clone(live);
  next.metadata.deletionTimestamp = new Date(now + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  next.metadata.deletionGracePeriodSeconds = grace;
  next.metadata.finalizers = finalizers;
  if (isNamespace) next.status = { ...((next.status as Any) ?? {}), phase: 'Terminating' };
  if (finalizers.length === 0) delete next.metadata.finalizers;
  const uid = live.metadata.uid;
  const updated = ctx.store.update(scope.gr, next);
  if (pod && grace > 0 && finalizers.length === 0) {
    // What a kubelet does once the containers have stopped (most exit on SIGTERM at once); a
    // simulated kubelet wired through `onStart` may well do it sooner.
    ctx.clock.setTimer(Math.min(grace, POD_STOP_SECONDS) * 1000, () => {
      const cur = ctx.store.get(scope.gr, namespace, name);
      if (cur && cur.metadata.uid === uid && !(cur.metadata.finalizers ?? []).length) {
        const gone = ctx.store.delete(scope.gr, namespace, name);
        afterDelete(ctx, scope.gr, gone);
      }
    });
  }
  afterDelete(ctx, scope.gr, updated);
  return { object: updated, deleted: false };
}

function remove(scope: RequestScope, namespace: string): ApiResponse {
  const opts = deleteOptions(scope.request);
  const dryRun = isDryRun(scope.request) || (opts.dryRun ?? []).includes('All');
  const { object, deleted } = deleteObject(scope, namespace, scope.info.name, opts, dryRun);
  const returnsObject = scope.def.group === '' && (scope.def.resource === 'pods' || scope.def.resource === 'services');
  if (deleted && !returnsObject) {
    return reply(scope, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: scope.info.name,
        ...(scope.def.group ? { group: scope.def.group } : {}),
        kind: scope.def.resource,
        uid: object.metadata.uid,
      },
    });
  }
  return reply(scope, deleted ? 200 : 200, typed(scope, object));
}

function deleteCollection(scope: RequestScope, namespace: string): ApiResponse {
  const matches = selectorMatcher(scope);
  const opts = deleteOptions(scope.request);
  const dryRun = isDryRun(scope.request);
  const items: KubeObject[] = [];
  for (const o of scope.ctx.store
    .list(scope.gr, scope.def.namespaced && namespace ? namespace : undefined)
    .filter(matches)) {
    try {
      items.push(
        typed(scope, deleteObject(scope, o.metadata.namespace ?? '', o.metadata.name ?? '', opts, dryRun).object),
      );
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
  return reply(scope, 200, {
    kind: `${scope.def.kind}List`,
    apiVersion: scope.apiVersion,
    metadata: { resourceVersion: scope.ctx.store.resourceVersion() },
    items,
  });
}

// ---- subresources ----

function handleSubresource(scope: RequestScope, namespace: string): ApiResponse {
  const { def, info } = scope;
  const sub = def.subresources?.find((s) => s.name === info.subresource);
  if (!sub || !info.name) throw notFoundPath();
  if (sub.name === 'proxy') return proxy(scope, namespace);
  const isConnect = ['exec', 'attach', 'portforward'].includes(sub.name);
  if (!isConnect && !sub.verbs.includes(info.verb)) throw methodNotAllowed();
  switch (sub.name) {
    case 'status':
    case 'ephemeralcontainers':
    case 'approval':
      if (info.verb === 'get') return getOne(scope, namespace);
      if (info.verb === 'update') return update(scope, namespace, sub.name === 'status' ? 'status' : sub.name);
      return patch(scope, namespace, sub.name === 'status' ? 'status' : sub.name);
    case 'scale':
      return scale(scope, namespace);
    case 'log':
      return logResponse(scope, namespace);
    case 'exec':
    case 'attach':
      return execResponse(scope, namespace, sub.name);
    case 'token':
      return tokenRequest(scope, namespace);
    case 'binding':
      return bind(scope, namespace, info.name, decodeObject(scope.request));
    case 'eviction':
      return evict(scope, namespace);
    case 'finalize':
      return finalize(scope);
  }
  // Port forwarding is the one connect subresource the simulator does not speak.
  throw badRequest(`${def.resource}/${sub.name} is not supported by the simulated cluster`);
}

/** `pods|services|nodes/<name>/proxy/<path>`: handed to the network's proxy when one is wired. */
function proxy(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, request, info, user } = scope;
  const name = info.name.split(':').length === 3 ? info.name.split(':')[1]! : info.name.split(':')[0]!;
  mustGet(scope, namespace, name);
  if (!ctx.proxy) {
    throw new StatusError(
      503,
      'ServiceUnavailable',
      `no endpoints available for ${scope.def.kind.toLowerCase()} "${info.name}"`,
    );
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    if (v !== undefined && k !== 'authorization' && !k.startsWith('impersonate-'))
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  const result = ctx.proxy(
    {
      resource: scope.def.resource as 'pods' | 'services' | 'nodes',
      namespace,
      name: info.name,
      path: info.proxyPath ?? '/',
      method: request.method,
      query: request.query,
      headers,
      ...(request.body ? { body: request.body } : {}),
    },
    user,
  );
  const body = typeof result.body === 'string' ? new TextEncoder().encode(result.body) : result.body;
  return { kind: 'body', status: result.status, headers: result.headers, body };
}

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

function scale(scope: RequestScope, namespace: string): ApiResponse {
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

function tokenRequest(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx, info } = scope;
  const body = decodeObject(scope.request) as Any;
  const sa = ctx.store.get({ group: '', resource: 'serviceaccounts' }, namespace, info.name);
  if (!sa) throw notFound('', 'serviceaccounts', info.name);
  const spec: Any = body.spec ?? {};
  let bound: { kind: string; name: string; uid: string } | undefined;
  if (spec.boundObjectRef) {
    const ref = spec.boundObjectRef as Any;
    const resource = ref.kind === 'Pod' ? 'pods' : ref.kind === 'Secret' ? 'secrets' : undefined;
    if (!resource) throw badRequest(`cannot bind token to object of type ${ref.kind}`);
    const target = ctx.store.get({ group: '', resource }, namespace, ref.name);
    if (!target) throw notFound('', resource, ref.name);
    if (ref.uid && ref.uid !== target.metadata.uid) {
      throw conflict(
        '',
        resource,
        ref.name,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    bound = { kind: ref.kind, name: ref.name, uid: target.metadata.uid ?? '' };
  }
  const issued = ctx.tokens.issueServiceAccountToken({
    namespace,
    serviceAccount: sa,
    audiences: spec.audiences,
    expirationSeconds: spec.expirationSeconds,
    ...(bound ? { boundObject: bound } : {}),
  });
  return reply(scope, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: info.name, namespace, creationTimestamp: nowString(ctx) },
    spec: {
      audiences: spec.audiences?.length ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds: Math.max(600, spec.expirationSeconds ?? 3600),
      boundObjectRef: spec.boundObjectRef ?? null,
    },
    status: issued,
  });
}

/** Binds a pod to a node (pods/binding and the bindings resource). */
export function bind(scope: RequestScope, namespace: string, podName: string, binding: Any): ApiResponse {
  const { ctx } = scope;
  const target = binding.target ?? {};
  const name = binding.metadata?.name ?? podName;
  const pods = { group: '', resource: 'pods' };
  const pod = ctx.store.get(pods, namespace, name);
  if (!pod) throw notFound('', 'pods', name);
  const spec = (pod.spec as Any) ?? {};
  if (spec.nodeName)
    throw conflict('', 'pods/binding', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  if (pod.metadata.deletionTimestamp)
    throw conflict('', 'pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  spec.nodeName = target.name;
  pod.spec = spec;
  const st = (pod.status as Any) ?? {};
  const conds: Any[] = (st.conditions ?? []).filter((c: Any) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowString(ctx) });
  st.conditions = conds;
  pod.status = st;
  if (!isDryRun(scope.request)) ctx.store.update(pods, pod);
  return reply(scope, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function evict(scope: RequestScope, namespace: string): ApiResponse {
  const body = decodeObject(scope.request) as Any;
  const opts: DeleteOptions = body.deleteOptions ?? {};
  const podScope: RequestScope = { ...scope, def: { ...scope.def }, gr: { group: '', resource: 'pods' } };
  deleteObject(podScope, namespace, scope.info.name, opts, isDryRun(scope.request));
  return reply(scope, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function finalize(scope: RequestScope): ApiResponse {
  const { ctx, info } = scope;
  const body = decodeObject(scope.request) as KubeObject;
  const live = mustGet(scope, '', info.name);
  const next = clone(live);
  next.spec = { ...((next.spec as Any) ?? {}), finalizers: (body.spec as Any)?.finalizers ?? [] };
  if (!(next.spec as Any).finalizers?.length) delete (next.spec as Any).finalizers;
  const updated = ctx.store.update(scope.gr, next);
  return reply(scope, 200, typed(scope, updated));
}

export { isDryRun, mustGet, nowString, reply, typed };
