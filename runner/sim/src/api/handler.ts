import type { UserInfo } from '@paranoid/k8s/identity.ts';
import { badRequest, notFound, type Status, StatusError } from '@paranoid/k8s/status.ts';
import { impersonate, impersonationHeaders } from '../authn/impersonation.ts';
import { findResource, METRICS_RESOURCES, type ResourceDef } from '../resources.ts';
import { decodeObject } from './body.ts';
import type { ApiContext } from './context.ts';
import {
  AGGREGATED_DISCOVERY_V2,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  groupsOf,
  VERSION_INFO,
  wantsAggregated,
} from './discovery.ts';
import { openApiV3Document, openApiV3Index } from './openapi-fallback.ts';
import { parseResourcePath, resourceAttributes } from './request-info.ts';
import { acceptsJson, errorResponse, forbiddenError, mustAuthorize, notFoundPath } from './respond.ts';
import { handleResource } from './rest.ts';
import { type ApiRequest, type ApiResponse, header, jsonResponse, textResponse } from './types.ts';

/** Service account issuer discovery, as kube-apiserver serves it (`--service-account-issuer`). */
const OPENID_CONFIGURATION = {
  issuer: 'https://kubernetes.default.svc.cluster.local',
  jwks_uri: 'https://172.18.0.2:6443/openid/v1/jwks',
  response_types_supported: ['id_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
};

/** The public half of the (simulated) service account signing key. */
const JWKS = {
  keys: [
    {
      use: 'sig',
      kty: 'RSA',
      kid: 'paranoid-sim',
      alg: 'RS256',
      n: 'wPxA3eFQ8s7G2yS1Zp8Ww0mYH9wV0bq3o3l6hTQm1cX2kq2gXr1T8mJcJ6H5Yv1pW6n0c3Qe5j8sPp0k1rVx7mD2uN9yB4tL6aZ3fE8hG1jK5oR2wS7vX0cQ9bM4nT6yU3iO8pA1sD5fG2hJ7kL0zX4cV9bN3mQ6wE1rT8yU5iO2pA7sD0fG3hJ6kL9zX2cV5bN8mQ1wE4rT7yU0iO3pA6sD9fG2hJ5kL8zX1cV4bN7mQ0wE3rT6yU9iO2pA5sD8fG1hJ4kL7zX0cV3bN6mQ9wE2rT5yU8iO1pA4sD7fG0hJ3kL6zX9cV2bN5mQ8w',
      e: 'AQAB',
    },
  ],
};

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz', '/healthz/ping', '/livez/ping', '/readyz/ping']);

function bearer(request: ApiRequest): string | undefined {
  const auth = header(request, 'authorization');
  if (!auth) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
  return m ? m[1]!.trim() : '';
}

const UNAUTHORIZED = () => new StatusError(401, 'Unauthorized', 'Unauthorized');

/** Authenticates a request: a bearer token, else anonymous (as kind's apiserver allows). */
export function authenticate(ctx: ApiContext, request: ApiRequest): UserInfo {
  const token = bearer(request);
  if (token === undefined) return { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  const user = ctx.tokens.authenticate(token, ctx.store);
  if (!user) throw UNAUTHORIZED();
  return user;
}

/** The whole request path: authn → impersonation → routing (authz, decode, defaulting, admission, validation, store). */
export function handleRequest(ctx: ApiContext, request: ApiRequest): ApiResponse {
  try {
    if (request.body && request.body.length > ctx.maxBodyBytes) {
      throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${ctx.maxBodyBytes}`);
    }
    let user = authenticate(ctx, request);
    const imp = impersonationHeaders(request.headers);
    if (imp) user = impersonate(user, imp, (attrs) => ctx.authorize(attrs));
    return route(ctx, request, user);
  } catch (error) {
    return errorResponse(error);
  }
}

function nonResource(ctx: ApiContext, request: ApiRequest, user: UserInfo): void {
  const verb =
    { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' }[request.method] ??
    request.method.toLowerCase();
  mustAuthorize(ctx, { user, resourceRequest: false, verb, path: request.path });
}

function servedResources(ctx: ApiContext): ResourceDef[] {
  return ctx.resources;
}

function route(ctx: ApiContext, request: ApiRequest, user: UserInfo): ApiResponse {
  const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
  const resources = servedResources(ctx);
  if (path === '/version') {
    nonResource(ctx, request, user);
    return jsonResponse(200, VERSION_INFO);
  }
  if (HEALTH_PATHS.has(path)) {
    nonResource(ctx, request, user);
    return textResponse(200, 'ok');
  }
  if (path === '/api' || path === '/apis') {
    nonResource(ctx, request, user);
    if (wantsAggregated(header(request, 'accept'))) {
      return jsonResponse(200, aggregatedDiscovery(resources, path === '/api'), {
        'content-type': AGGREGATED_DISCOVERY_V2,
        vary: 'Accept',
      });
    }
    return jsonResponse(200, path === '/api' ? apiVersions('127.0.0.1:6443') : apiGroupList(resources));
  }
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
    nonResource(ctx, request, user);
    const sub = path.slice('/openapi/v3/'.length);
    if (path === '/openapi/v3') return jsonResponse(200, ctx.schema.openApiV3Index?.() ?? openApiV3Index(resources));
    const doc = ctx.schema.openApiV3Document ? ctx.schema.openApiV3Document(sub) : openApiV3Document(resources, sub);
    if (doc === undefined) throw notFoundPath();
    return jsonResponse(200, doc);
  }
  if (path === '/openapi/v2') {
    nonResource(ctx, request, user);
    const doc = ctx.schema.openApiV2?.();
    if (doc === undefined) throw notFoundPath();
    // Only JSON is served: kubectl asks for protobuf alone, and must get a refusal it can fall back from.
    if (!acceptsJson(header(request, 'accept'))) {
      throw new StatusError(
        406,
        'NotAcceptable',
        'only the following media types are accepted: application/json, application/json;stream=watch',
      );
    }
    return jsonResponse(200, doc);
  }
  if (path === '/paranoid/v1/internet') return internet(ctx, request, user);
  if (path === CLOUD_INSTANCES || path.startsWith(`${CLOUD_INSTANCES}/`)) return cloud(ctx, request, user, path);
  if (path === CLOUD_CALLER_IDENTITY) return callerIdentity(ctx, request, user);
  if (path === '/.well-known/openid-configuration' || path === '/openid/v1/jwks') {
    nonResource(ctx, request, user);
    return jsonResponse(200, path === '/openid/v1/jwks' ? JWKS : OPENID_CONFIGURATION);
  }
  const parts = path.split('/').filter(Boolean);
  // Discovery of one group or group-version.
  if (parts[0] === 'api' && parts.length === 2) {
    nonResource(ctx, request, user);
    if (parts[1] !== 'v1') throw notFoundPath();
    return jsonResponse(200, apiResourceList(resources, '', 'v1'));
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    nonResource(ctx, request, user);
    const g = groupsOf(resources).find((x) => x.group === parts[1]);
    if (!g) throw notFoundPath();
    return jsonResponse(200, apiGroup(g));
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    nonResource(ctx, request, user);
    if (!resources.some((r) => r.group === parts[1] && r.version === parts[2])) throw notFoundPath();
    return jsonResponse(200, apiResourceList(resources, parts[1]!, parts[2]!));
  }
  const info = parseResourcePath(path, request.method, request.query);
  if (!info) {
    nonResource(ctx, request, user);
    throw notFoundPath();
  }
  const def = findResource(resources, info.group, info.version, info.resource);
  if (!def) {
    // The apiserver authorizes before it knows whether the resource exists.
    mustAuthorize(ctx, resourceAttributes(user, info));
    throw notFoundPath();
  }
  return handleResource(ctx, request, user, def, info);
}

function internet(ctx: ApiContext, request: ApiRequest, user: UserInfo): ApiResponse {
  if (!ctx.isAdmin(user)) {
    throw forbiddenError({ user, resourceRequest: false, verb: 'post', path: request.path }, '');
  }
  if (request.method !== 'POST') {
    throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
  if (!ctx.internet) throw new StatusError(503, 'ServiceUnavailable', 'this cluster has no simulated internet');
  const body = decodeObject(request, ['application/json']);
  if (typeof body.host !== 'string' || typeof body.port !== 'number' || typeof body.path !== 'string') {
    throw badRequest('an internet request needs host (string), port (number) and path (string)');
  }
  return jsonResponse(200, ctx.internet(body as Parameters<NonNullable<ApiContext['internet']>>[0]));
}

const CLOUD_INSTANCES = '/paranoid/v1/cloud/instances';
const CLOUD_CALLER_IDENTITY = '/paranoid/v1/cloud/sts/get-caller-identity';

/**
 * STS for the learner's `aws sts get-caller-identity`: `POST` with the credentials the CLI
 * signs with (`AccessKeyId`, `SecretAccessKey`, `SessionToken`). The kube connection is only the
 * transport, so it is the cluster admin's as for the rest of the cloud; who the caller is comes
 * from the credentials alone, and a refusal is STS's 403 with its code.
 */
function callerIdentity(ctx: ApiContext, request: ApiRequest, user: UserInfo): ApiResponse {
  if (!ctx.isAdmin(user)) throw forbiddenError({ user, resourceRequest: false, verb: 'post', path: request.path }, '');
  if (!ctx.cloud) throw new StatusError(503, 'ServiceUnavailable', 'this cluster has no simulated cloud');
  if (request.method !== 'POST') {
    throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
  const body = decodeObject(request, ['application/json']);
  const { AccessKeyId, SecretAccessKey, SessionToken } = body;
  if (
    typeof AccessKeyId !== 'string' ||
    typeof SecretAccessKey !== 'string' ||
    (SessionToken !== undefined && typeof SessionToken !== 'string')
  ) {
    throw badRequest('credentials are AccessKeyId and SecretAccessKey (strings) and an optional SessionToken');
  }
  const r = ctx.cloud.getCallerIdentity({
    AccessKeyId,
    SecretAccessKey,
    ...(SessionToken !== undefined ? { SessionToken } : {}),
  });
  if (!r.ok) throw new StatusError(403, 'Forbidden', `${r.error.code}: ${r.error.message}`);
  return jsonResponse(200, r.identity);
}

/**
 * The cloud's control plane, for the admin's `aws` CLI: `GET .../instances` is
 * describe-instances; `POST .../instances/ID/metadata-options` with `HttpTokens` and/or
 * `HttpPutResponseHopLimit` is modify-instance-metadata-options. Only the cluster's admin
 * (system:masters, as admin.conf) may call it: a service account, even bound to
 * cluster-admin, is not an AWS principal of this account.
 */
function cloud(ctx: ApiContext, request: ApiRequest, user: UserInfo, path: string): ApiResponse {
  const verb = request.method === 'GET' ? 'get' : 'post';
  if (!ctx.isAdmin(user)) throw forbiddenError({ user, resourceRequest: false, verb, path: request.path }, '');
  if (!ctx.cloud) throw new StatusError(503, 'ServiceUnavailable', 'this cluster has no simulated cloud');
  if (path === CLOUD_INSTANCES) {
    if (request.method !== 'GET') {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    return jsonResponse(200, { Reservations: [{ Instances: ctx.cloud.describeInstances() }] });
  }
  const id = path.slice(CLOUD_INSTANCES.length + 1).match(/^([^/]+)\/metadata-options$/)?.[1];
  if (id === undefined) throw notFoundPath();
  if (request.method !== 'POST' && request.method !== 'PUT') {
    throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
  const body = decodeObject(request, ['application/json']);
  const tokens = body.HttpTokens;
  const hops = body.HttpPutResponseHopLimit;
  if ((tokens !== undefined && typeof tokens !== 'string') || (hops !== undefined && typeof hops !== 'number')) {
    throw badRequest('metadata options are HttpTokens (string) and HttpPutResponseHopLimit (number)');
  }
  const r = ctx.cloud.modifyInstanceMetadataOptions(decodeURIComponent(id), {
    ...(tokens !== undefined ? { httpTokens: tokens } : {}),
    ...(hops !== undefined ? { httpPutResponseHopLimit: hops } : {}),
  });
  if (!r.ok) throw badRequest(`${r.error.code}: ${r.error.message}`);
  const i = r.instance as { InstanceId: string; MetadataOptions: Record<string, unknown> };
  return jsonResponse(200, {
    InstanceId: i.InstanceId,
    InstanceMetadataOptions: { ...i.MetadataOptions, State: 'pending' },
  });
}

export {
  acceptsJson,
  errorResponse,
  forbiddenError,
  mustAuthorize,
  negotiate,
  notFoundPath,
  respond,
  statusResponse,
} from './respond.ts';
export type { Status };
export { METRICS_RESOURCES, notFound };
