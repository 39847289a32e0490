/** Answers and errors in the form kubectl reads: content negotiation, Status bodies, authorization failures. */
import type { AuthorizationDecision, RequestAttributes } from '@paranoid/k8s/identity.ts';
import { forbidden, StatusError } from '@paranoid/k8s/status.ts';
import { stringify as toYaml } from 'yaml';
import type { ApiContext } from './context.ts';
import { type ApiRequest, type ApiResponse, header, jsonResponse, textResponse } from './types.ts';

/** A Status error as a response. */
export function statusResponse(error: StatusError, headers: Record<string, string | string[]> = {}): ApiResponse {
  return jsonResponse(error.code, error.toStatus(), headers);
}

/** The apiserver's Forbidden message for a denied request (endpoints/handlers/responsewriters). */
export function forbiddenError(attrs: RequestAttributes, reason: string): StatusError {
  const user = attrs.user.username;
  let msg: string;
  if (!attrs.resourceRequest) {
    msg = `User "${user}" cannot ${attrs.verb} path "${attrs.path}"`;
    return forbidden(`forbidden: ${msg}${reason ? `: ${reason}` : ''}`, {});
  }
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  msg = attrs.namespace
    ? `User "${user}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}" in the namespace "${attrs.namespace}"`
    : `User "${user}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}" at the cluster scope`;
  if (reason) msg = `${msg}: ${reason}`;
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const full = attrs.name ? `${qualified} "${attrs.name}" is forbidden: ${msg}` : `${qualified} is forbidden: ${msg}`;
  return forbidden(full, {
    ...(attrs.name ? { name: attrs.name } : {}),
    ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}),
    kind: attrs.resource,
  });
}

/** Authorizes or throws the apiserver's Forbidden. */
export function mustAuthorize(ctx: ApiContext, attrs: RequestAttributes): AuthorizationDecision {
  const decision = ctx.authorize(attrs);
  if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  return decision;
}

/** Chooses JSON or YAML for a response from the Accept header; 406 for anything else. */
export function negotiate(request: ApiRequest): 'json' | 'yaml' {
  const accept = header(request, 'accept');
  if (!accept) return 'json';
  const types = accept.split(',').map((s) => s.split(';')[0]!.trim().toLowerCase());
  for (const t of types) {
    if (
      t === 'application/json' ||
      t === '*/*' ||
      t === 'application/*' ||
      t === 'application/vnd.kubernetes.protobuf' ||
      t === 'application/json;stream=watch'
    )
      return 'json';
    if (t === 'application/yaml') return 'yaml';
  }
  throw new StatusError(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}

/** Whether an Accept header allows a JSON answer (no header allows anything). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept
    .split(',')
    .map((s) => s.split(';')[0]!.trim().toLowerCase())
    .some((t) => t === 'application/json' || t === '*/*' || t === 'application/*');
}

/** Encodes a response body in the negotiated format. */
export function respond(
  request: ApiRequest,
  status: number,
  value: unknown,
  headers: Record<string, string | string[]> = {},
): ApiResponse {
  if (negotiate(request) === 'yaml') {
    return textResponse(status, toYaml(value), { ...headers, 'content-type': 'application/yaml' });
  }
  return jsonResponse(status, value, headers);
}

/** Maps anything thrown to a Status response; unknown errors are 500s and never escape. */
export function errorResponse(error: unknown): ApiResponse {
  if (error instanceof StatusError) return statusResponse(error);
  const message = error instanceof Error ? error.message : String(error);
  console.error('simulated apiserver: internal error', error);
  return statusResponse(new StatusError(500, 'InternalError', `Internal error occurred: ${message}`));
}

/** The apiserver's answer for a path nothing serves. */
export function notFoundPath(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}
