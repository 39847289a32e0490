import type { RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import { badRequest, notFound } from '@paranoid/k8s/status.ts';
import { bind } from './binding.ts';
import { decodeObject } from './body.ts';
import type { RulesReviewResult } from './context.ts';
import type { RequestScope } from './scope.ts';
import { reply } from './scope.ts';
import type { ApiResponse } from './types.ts';

// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds are read here by field path, as the apiserver's printers and strategies do.
type Any = Record<string, any>;

function attributesFor(user: UserInfo, spec: Any): RequestAttributes {
  if (spec.resourceAttributes) {
    const r = spec.resourceAttributes as Any;
    return {
      user,
      resourceRequest: true,
      verb: r.verb ?? '',
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
    };
  }
  if (spec.nonResourceAttributes) {
    const n = spec.nonResourceAttributes as Any;
    return { user, resourceRequest: false, verb: n.verb ?? '', path: n.path ?? '' };
  }
  throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
}

function reviewStatus(scope: RequestScope, attrs: RequestAttributes): Any {
  const d = scope.ctx.authorize(attrs);
  return { allowed: d.allowed, ...(d.allowed ? {} : {}), ...(d.reason ? { reason: d.reason } : {}) };
}

function fallbackRules(user: UserInfo): RulesReviewResult {
  if (user.groups.includes('system:masters')) {
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  }
  return {
    resourceRules: [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
    nonResourceRules: [
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] },
      { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'] },
    ],
    incomplete: false,
  };
}

function userFromSpec(spec: Any): UserInfo {
  return {
    username: spec.user ?? '',
    ...(spec.uid ? { uid: spec.uid } : {}),
    groups: spec.groups ?? [],
    ...(spec.extra ? { extra: spec.extra } : {}),
  };
}

/** The create-only review resources: access reviews, rules reviews, SelfSubjectReview, TokenReview, bindings. */
export function handleReview(scope: RequestScope): ApiResponse {
  const { ctx, def, user, info } = scope;
  const body = decodeObject(scope.request) as Any;
  const spec: Any = body.spec ?? {};
  const meta = { creationTimestamp: null as string | null };
  const base = { kind: def.kind, apiVersion: scope.apiVersion, metadata: meta };
  switch (def.resource) {
    case 'selfsubjectaccessreviews': {
      const status = reviewStatus(scope, attributesFor(user, spec));
      return reply(scope, 201, { ...base, spec, status });
    }
    case 'subjectaccessreviews': {
      const subject = userFromSpec(spec);
      return reply(scope, 201, { ...base, spec, status: reviewStatus(scope, attributesFor(subject, spec)) });
    }
    case 'localsubjectaccessreviews': {
      const ns = spec.resourceAttributes?.namespace;
      if (ns !== info.namespace) {
        throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${info.namespace}`);
      }
      const subject = userFromSpec(spec);
      return reply(scope, 201, {
        ...base,
        metadata: { ...meta, namespace: info.namespace },
        spec,
        status: reviewStatus(scope, attributesFor(subject, spec)),
      });
    }
    case 'selfsubjectrulesreviews': {
      const namespace: string = spec.namespace ?? '';
      const result = ctx.rulesReview ? ctx.rulesReview(user, namespace, ctx.store) : fallbackRules(user);
      return reply(scope, 201, { ...base, spec, status: result });
    }
    case 'selfsubjectreviews':
      return reply(scope, 201, {
        ...base,
        status: {
          userInfo: {
            username: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            groups: user.groups,
            ...(user.extra ? { extra: user.extra } : {}),
          },
        },
      });
    case 'tokenreviews': {
      const token = String(spec.token ?? '');
      const who = token ? ctx.tokens.authenticate(token, ctx.store) : undefined;
      return reply(scope, 201, {
        ...base,
        spec,
        status: who
          ? {
              authenticated: true,
              user: { username: who.username, uid: who.uid, groups: who.groups, extra: who.extra },
              audiences: spec.audiences ?? [],
            }
          : { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' },
      });
    }
    case 'bindings': {
      // POST /namespaces/<ns>/bindings binds the pod the Binding names.
      return bind(scope, info.namespace, body.metadata?.name ?? '', body);
    }
  }
  throw notFound(def.group, def.resource, info.name);
}

/** metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics from the runtime's metrics source. */
export function handleMetrics(scope: RequestScope): ApiResponse {
  const { ctx, def, info } = scope;
  const metrics = ctx.metrics;
  if (!metrics) throw notFound(def.group, def.resource, info.name);
  const items = def.resource === 'nodes' ? metrics.nodes() : metrics.pods(info.namespace || undefined);
  const kind = def.resource === 'nodes' ? 'NodeMetrics' : 'PodMetrics';
  const typedItems = items.map((o) => ({ ...o, kind, apiVersion: 'metrics.k8s.io/v1beta1' }));
  if (info.name) {
    const one = typedItems.find((o) => o.metadata.name === info.name);
    if (!one) throw notFound(def.group, def.resource, info.name);
    return reply(scope, 200, one);
  }
  return reply(scope, 200, {
    kind: `${kind}List`,
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { resourceVersion: '' },
    items: typedItems,
  });
}
