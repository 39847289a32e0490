/**
 * The text of an authorization denial, as k8s.io/apiserver's
 * endpoints/handlers/responsewriters/errors.go writes it, wrapped the way
 * apierrors.NewForbidden wraps it.
 */
import type { RequestAttributes } from '@paranoid/k8s/identity.ts';
import { StatusError } from '@paranoid/k8s/status.ts';

/** `User "alice" cannot list resource "pods" in API group "" in the namespace "dev"` */
export function forbiddenReasonText(attrs: RequestAttributes): string {
  const user = JSON.stringify(attrs.user.username);
  if (!attrs.resourceRequest) return `User ${user} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const head = `User ${user} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)}`;
  return attrs.namespace
    ? `${head} in the namespace ${JSON.stringify(attrs.namespace)}`
    : `${head} at the cluster scope`;
}

/**
 * The whole Forbidden message kubectl prints after `Error from server (Forbidden): `:
 * `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"`,
 * `pods "web" is forbidden: ...` for a named object, `forbidden: User "x" cannot get path "/api"` for
 * a non-resource URL; an authorizer `reason` (RBAC resolution errors) is appended after `: `.
 */
export function forbiddenMessage(attrs: RequestAttributes, reason = ''): string {
  const text = reason ? `${forbiddenReasonText(attrs)}: ${reason}` : forbiddenReasonText(attrs);
  if (!attrs.resourceRequest) return `forbidden: ${text}`;
  const gr = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  return attrs.name ? `${gr} ${JSON.stringify(attrs.name)} is forbidden: ${text}` : `${gr} is forbidden: ${text}`;
}

/** The 403 Status for a denied request, details as the apiserver fills them. */
export function forbiddenError(attrs: RequestAttributes, reason = ''): StatusError {
  const message = forbiddenMessage(attrs, reason);
  if (!attrs.resourceRequest) return new StatusError(403, 'Forbidden', message, {});
  return new StatusError(403, 'Forbidden', message, {
    ...(attrs.name ? { name: attrs.name } : {}),
    ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}),
    kind: attrs.resource,
  });
}
