import type { AuthorizationDecision, RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import { forbidden } from '@paranoid/k8s/status.ts';

/** The Impersonate-* headers of a request, read before the authorizer checks the caller may impersonate. */
export interface ImpersonationHeaders {
  user?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** Reads `Impersonate-*` headers (header names lower case). */
export function impersonationHeaders(
  headers: Record<string, string | string[] | undefined>,
): ImpersonationHeaders | undefined {
  const all = (name: string): string[] => {
    const v = headers[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const user = all('impersonate-user')[0];
  const groups = all('impersonate-group');
  const uid = all('impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith('impersonate-extra-') || v === undefined) continue;
    const key = decodeURIComponent(k.slice('impersonate-extra-'.length));
    extra[key] = Array.isArray(v) ? v : [v];
  }
  if (user === undefined && groups.length === 0 && uid === undefined && Object.keys(extra).length === 0)
    return undefined;
  return { user, groups, uid, extra };
}

/**
 * Resolves impersonation as the apiserver's impersonation filter does: the
 * requester must be allowed `impersonate` on every user, group, uid and extra;
 * a service account user gets its groups; `system:authenticated` is added
 * unless the user is `system:anonymous`.
 */
export function impersonate(
  requester: UserInfo,
  h: ImpersonationHeaders,
  authorize: (attrs: RequestAttributes) => AuthorizationDecision,
): UserInfo {
  if (h.user === undefined) {
    throw forbidden(
      'Internal error occurred: requested [' +
        [...h.groups.map((g) => `{Group  ${g}}`)].join(' ') +
        '] without impersonating a user',
    );
  }
  const check = (resource: string, name: string, apiGroup = '', namespace = '', subresource = '') => {
    const attrs: RequestAttributes = {
      user: requester,
      resourceRequest: true,
      verb: 'impersonate',
      apiGroup,
      apiVersion: '',
      resource,
      subresource,
      namespace,
      name,
    };
    const decision = authorize(attrs);
    if (!decision.allowed) {
      const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
      const res = subresource ? `${resource}/${subresource}` : resource;
      throw forbidden(
        `${res}${apiGroup ? `.${apiGroup}` : ''} "${name}" is forbidden: User "${requester.username}" cannot impersonate resource "${res}" in API group "${apiGroup}" ${scope}`,
        { name, ...(apiGroup ? { group: apiGroup } : {}), kind: resource },
      );
    }
  };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(h.user);
  if (sa) check('serviceaccounts', sa[2]!, '', sa[1]!);
  else check('users', h.user);
  for (const g of h.groups) check('groups', g);
  if (h.uid !== undefined) check('uids', h.uid, 'authentication.k8s.io');
  for (const [key, values] of Object.entries(h.extra)) {
    for (const v of values) check('userextras', v, 'authentication.k8s.io', '', key);
  }
  let groups = [...h.groups];
  if (sa && groups.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`];
  if (h.user !== 'system:anonymous' && !groups.includes('system:authenticated')) groups.push('system:authenticated');
  return {
    username: h.user,
    ...(h.uid !== undefined ? { uid: h.uid } : {}),
    groups,
    ...(Object.keys(h.extra).length ? { extra: h.extra } : {}),
  };
}
