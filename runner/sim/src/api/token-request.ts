/** serviceaccounts/token: TokenRequest, a bound token for a service account. */
import { badRequest, conflict, notFound } from '@paranoid/k8s/status.ts';
import { decodeObject } from './body.ts';
import { type Any, nowString, type RequestScope, reply } from './scope.ts';
import type { ApiResponse } from './types.ts';

/** Serves a service account's token subresource: issues a bound token, as `kubectl create token` asks. */
export function tokenRequest(scope: RequestScope, namespace: string): ApiResponse {
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
