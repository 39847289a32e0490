/** What every REST handler shares: the request scope and the small helpers over it (upstream: handlers/rest.go). */
import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest, notFound, StatusError } from '@paranoid/k8s/status.ts';
import { clone as jsonClone } from '../patch/json.ts';
import type { ResourceDef } from '../resources.ts';
import type { ApiContext } from './context.ts';
import type { ResourceRequestInfo } from './request-info.ts';
import { respond } from './respond.ts';
import { type ApiRequest, type ApiResponse, header, queryParam } from './types.ts';

/** An object of any kind, read by field path where typing each kind would add nothing. */
// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds are read here by field path, as the apiserver's printers and strategies do.
export type Any = Record<string, any>;

/** A deep copy of an object read or written by a handler (JSON semantics). */
export const clone = jsonClone;

/** Everything a resource handler needs about one request: the cluster, the caller, the resource and its warnings. */
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

/** The cluster clock's now as metav1.Time writes it (RFC 3339, whole seconds). */
export const nowString = (ctx: ApiContext) => new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The apiserver's 405 for a verb the resource does not serve, worded as kubectl prints it. */
export const methodNotAllowed = () =>
  new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

function warningHeaders(warnings: string[]): Record<string, string[]> {
  const unique = [...new Set(warnings)];
  return unique.length ? { warning: unique.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}

/** A response for this request, with the warnings the handlers collected as `Warning` headers (deduplicated, as upstream). */
export function reply(scope: RequestScope, status: number, value: unknown): ApiResponse {
  return respond(scope.request, status, value, warningHeaders(scope.warnings));
}

/** Whether the client asked for a `meta.k8s.io` Table. */
export function wantsTable(request: ApiRequest): boolean {
  const accept = header(request, 'accept') ?? '';
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('as=Table') && p.includes('g=meta.k8s.io');
  });
}

/** What a Table row carries of its object (`?includeObject=`): Metadata unless the client asked for None or Object. */
export function includeObject(request: ApiRequest): 'None' | 'Metadata' | 'Object' {
  const v = queryParam(request, 'includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** The object as the apiserver returns it: with apiVersion and kind of the served version. */
export function typed(scope: RequestScope, o: KubeObject): KubeObject {
  return { ...o, apiVersion: scope.apiVersion, kind: scope.def.kind };
}

/** `?dryRun=All`: run admission and validation but store nothing; any other value is the apiserver's 400. */
export function isDryRun(request: ApiRequest): boolean {
  const values = request.query.dryRun ?? [];
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid value: "${v}": supported values: "All"`);
  return values.includes('All');
}

/** `?fieldValidation=`: how unknown or duplicate fields are treated; Warn by default, as in 1.27 and later. */
export function fieldValidation(request: ApiRequest): 'Strict' | 'Warn' | 'Ignore' {
  const v = queryParam(request, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/** The namespace a resource is stored under: none for cluster-scoped kinds, whatever the URL said. */
export function storeKeyNamespace(def: ResourceDef, namespace: string): string | undefined {
  return def.namespaced ? namespace : undefined;
}

/** The stored object, or the apiserver's NotFound for this resource and name. */
export function mustGet(scope: RequestScope, namespace: string, name: string): KubeObject {
  const o = scope.ctx.store.get(scope.gr, storeKeyNamespace(scope.def, namespace), name);
  if (!o) throw notFound(scope.def.group, scope.def.resource, name);
  return o;
}
