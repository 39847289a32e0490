import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { IdSource } from '../clock.ts';
import type { ObjectStore } from '../store.ts';

interface IssuedToken {
  user: UserInfo;
  /** Milliseconds since the epoch; undefined never expires. */
  expires?: number;
  /** A bound service account token dies with its service account (and pod, when bound to one). */
  boundTo?: { resource: 'serviceaccounts' | 'pods' | 'secrets'; namespace: string; name: string; uid: string }[];
}

/** The user a service account authenticates as. */
export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    ...(uid ? { uid } : {}),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * The cluster's bearer tokens: static ones (the admin's), TokenRequest tokens
 * (JWT-shaped, so a learner can decode one as they would on a real cluster), and
 * legacy service-account token Secrets found in the store.
 */
export class TokenAuthenticator {
  private tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly ids: IdSource,
    private readonly now: () => number,
  ) {}

  /** Accepts `token` as `user` until removed. */
  addStatic(token: string, user: UserInfo): void {
    this.tokens.set(token, { user });
  }

  remove(token: string): void {
    this.tokens.delete(token);
  }

  /** Issues a service account token as TokenRequest does; returns the token and its expiry. */
  issueServiceAccountToken(args: {
    namespace: string;
    serviceAccount: KubeObject;
    audiences?: string[];
    expirationSeconds?: number;
    boundObject?: { kind: string; name: string; uid: string };
  }): { token: string; expirationTimestamp: string } {
    const seconds = Math.max(600, args.expirationSeconds ?? 3600);
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + seconds;
    const name = args.serviceAccount.metadata.name ?? '';
    const uid = args.serviceAccount.metadata.uid ?? '';
    const claims: Record<string, unknown> = {
      aud: args.audiences?.length ? args.audiences : ['https://kubernetes.default.svc.cluster.local'],
      exp,
      iat,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: this.ids.uid(),
      'kubernetes.io': {
        namespace: args.namespace,
        ...(args.boundObject?.kind === 'Pod'
          ? { pod: { name: args.boundObject.name, uid: args.boundObject.uid } }
          : {}),
        serviceaccount: { name, uid },
      },
      nbf: iat,
      sub: `system:serviceaccount:${args.namespace}:${name}`,
    };
    const token = [
      b64url(JSON.stringify({ alg: 'RS256', kid: 'paranoid-sim' })),
      b64url(JSON.stringify(claims)),
      b64url(this.ids.token() + this.ids.token()),
    ].join('.');
    const boundTo: NonNullable<IssuedToken['boundTo']> = [
      { resource: 'serviceaccounts', namespace: args.namespace, name, uid },
    ];
    if (args.boundObject && (args.boundObject.kind === 'Pod' || args.boundObject.kind === 'Secret')) {
      boundTo.push({
        resource: args.boundObject.kind === 'Pod' ? 'pods' : 'secrets',
        namespace: args.namespace,
        name: args.boundObject.name,
        uid: args.boundObject.uid,
      });
    }
    this.tokens.set(token, { user: serviceAccountUser(args.namespace, name, uid), expires: exp * 1000, boundTo });
    return { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /**
   * A legacy, non-expiring service account token as the token controller
   * writes into a `kubernetes.io/service-account-token` Secret (authenticated
   * through that Secret, so it dies with the Secret or the service account).
   */
  legacyServiceAccountToken(namespace: string, secretName: string, serviceAccount: KubeObject): string {
    const claims = {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': serviceAccount.metadata.name ?? '',
      'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.metadata.uid ?? '',
      sub: `system:serviceaccount:${namespace}:${serviceAccount.metadata.name ?? ''}`,
    };
    return [
      b64url(JSON.stringify({ alg: 'RS256', kid: 'paranoid-sim' })),
      b64url(JSON.stringify(claims)),
      b64url(this.ids.token() + this.ids.token()),
    ].join('.');
  }

  /** The user a bearer token authenticates as, or undefined. */
  authenticate(token: string, store: ObjectStore): UserInfo | undefined {
    const issued = this.tokens.get(token);
    if (issued) {
      if (issued.expires !== undefined && issued.expires <= this.now()) return undefined;
      for (const b of issued.boundTo ?? []) {
        const o = store.get({ group: '', resource: b.resource }, b.namespace, b.name);
        if (!o || o.metadata.uid !== b.uid || o.metadata.deletionTimestamp) return undefined;
      }
      return issued.user;
    }
    return this.fromSecret(token, store);
  }

  /** Legacy long-lived tokens: a `kubernetes.io/service-account-token` Secret whose `data.token` is this token. */
  private fromSecret(token: string, store: ObjectStore): UserInfo | undefined {
    let encoded: string;
    try {
      encoded = btoa(token);
    } catch {
      return undefined;
    }
    for (const s of store.list({ group: '', resource: 'secrets' })) {
      if (s.type !== 'kubernetes.io/service-account-token') continue;
      if ((s.data as Record<string, string> | undefined)?.token !== encoded) continue;
      const ns = s.metadata.namespace ?? '';
      const saName = s.metadata.annotations?.['kubernetes.io/service-account.name'] ?? '';
      const sa = store.get({ group: '', resource: 'serviceaccounts' }, ns, saName);
      const saUid = s.metadata.annotations?.['kubernetes.io/service-account.uid'];
      if (!sa || (saUid && sa.metadata.uid !== saUid)) return undefined;
      return serviceAccountUser(ns, saName, sa.metadata.uid);
    }
    return undefined;
  }
}
