/**
 * Kubernetes `Status` errors. kubectl prints `Error from server (<reason>): <message>`
 * and picks exit codes and retries from `reason` and `code`, so these must match
 * the apiserver's exactly (k8s.io/apimachinery/pkg/api/errors).
 */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Gone'
  | 'Expired'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'ServiceUnavailable';

/** One cause of a `Status` failure (a field that is invalid, and why). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `Status.details`: which object the failure was about, and its causes. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The `Status` object an API server answers errors with; kubectl prints its message and acts on its reason and code. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** An error that knows the Status the API answers with. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `pods "web" not found` */
export const notFound = (group: string, resource: string, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${qualified(group, resource)} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });

/** `pods "web" already exists` */
export const alreadyExists = (group: string, resource: string, name: string): StatusError =>
  new StatusError(409, 'AlreadyExists', `${qualified(group, resource)} "${name}" already exists`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });

/** `Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again` */
export const conflict = (group: string, resource: string, name: string, why: string): StatusError =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(group, resource)} "${name}": ${why}`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });

/**
 * `Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: ..., ...]`: the kind is
 * qualified by its group as upstream's `GroupKind.String()` does; one cause stands alone.
 */
export function invalid(group: string, kind: string, name: string, causes: Required<StatusCause>[]): StatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes,
  });
}

/** 400 BadRequest with upstream's wording left to the caller. */
export const badRequest = (message: string): StatusError => new StatusError(400, 'BadRequest', message);

/** 403 Forbidden; `message` is the full apiserver text (`<resource> "<name>" is forbidden: ...`). */
export const forbidden = (message: string, details?: StatusDetails): StatusError =>
  new StatusError(403, 'Forbidden', message, details);

function qualified(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}
