import { describe, expect, it } from 'vitest';
import type { AdmissionPlugin } from './admission/types.ts';
import type { ApiResponse } from './api/types.ts';
import { ManualClock, SequentialIds } from './clock.ts';
import { type Cluster, type ClusterOptions, createCluster } from './cluster.ts';
import { SCHEMA_ENGINE } from './openapi/schema-engine.ts';

const decoder = new TextDecoder();
const setup = (options: Partial<ClusterOptions> = {}) => {
  const clock = new ManualClock();
  const cluster = createCluster({ clock, ids: new SequentialIds(), adminToken: 'admin', ...options });
  const call = (method: string, path: string, body?: unknown) => cluster.callApi('admin', method, path, body);
  call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  return { clock, cluster, call };
};
const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { a: '1' },
  ...extra,
});

function collect(response: ApiResponse): { lines: () => unknown[]; ended: () => boolean; stop: () => void } {
  if (response.kind !== 'stream') throw new Error(`expected a stream, got ${response.kind}`);
  const chunks: string[] = [];
  let ended = false;
  const stop = response.start(
    (c) => chunks.push(decoder.decode(c)),
    () => {
      ended = true;
    },
  );
  return {
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ended: () => ended,
    stop,
  };
}

describe('the simulated apiserver pipeline', () => {
  it('runs mutating admission, then validation, then validating admission, and stores nothing on dryRun=All', () => {
    const order: string[] = [];
    const plugin: AdmissionPlugin = {
      name: 'test',
      mutate(req) {
        order.push(`mutate:${req.operation}`);
        return req.object
          ? { ...req.object, metadata: { ...req.object.metadata, labels: { mutated: 'yes' } } }
          : undefined;
      },
      validate(req) {
        order.push(`validate:${req.operation}:${req.object?.metadata.labels?.mutated}`);
        return { warnings: ['be careful'] };
      },
    };
    const { call } = setup({
      admission: [plugin],
      schema: {
        applyDefaults: (o) => {
          order.push('default');
          return o;
        },
        validate: () => {
          order.push('validation');
          return { errors: [], warnings: [] };
        },
      },
    });
    order.length = 0;
    const dry = call('POST', '/api/v1/namespaces/dev/configmaps?dryRun=All', cm('c'));
    expect(dry.status).toBe(201);
    expect(dry.headers.warning).toEqual(['299 - "be careful"']);
    expect(order).toEqual(['default', 'mutate:CREATE', 'validation', 'validate:CREATE:yes']);
    expect(call('GET', '/api/v1/namespaces/dev/configmaps/c').status).toBe(404);
  });

  it('denies with the plugin status and reports validation errors as Invalid or strict BadRequest', () => {
    const deny: AdmissionPlugin = {
      name: 'deny',
      validate: (req) =>
        req.name === 'bad'
          ? { warnings: [], denied: { code: 403, reason: 'Forbidden', message: 'configmaps "bad" is forbidden: no' } }
          : { warnings: [] },
    };
    const { call } = setup({
      admission: [deny],
      schema: {
        validate: (o) =>
          o.metadata.name === 'invalid'
            ? {
                errors: [{ field: 'data', message: 'Invalid value: "x": nope', reason: 'FieldValueInvalid' }],
                warnings: [],
              }
            : o.metadata.name === 'unknown'
              ? {
                  errors: [{ field: 'spec.foo', message: 'unknown field "spec.foo"', reason: 'FieldValueUnknown' }],
                  warnings: [],
                }
              : { errors: [], warnings: [] },
      },
    });
    expect(call('POST', '/api/v1/namespaces/dev/configmaps', cm('bad')).body).toMatchObject({
      code: 403,
      message: 'configmaps "bad" is forbidden: no',
    });
    expect(call('POST', '/api/v1/namespaces/dev/configmaps', cm('invalid')).body).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'ConfigMap "invalid" is invalid: data: Invalid value: "x": nope',
    });
    expect(call('POST', '/api/v1/namespaces/dev/configmaps', cm('unknown')).body).toMatchObject({
      code: 400,
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec.foo"',
    });
  });

  it('answers an Invalid admission denial with the causes the plugin gives, so kubectl prints its message', () => {
    const causes = [
      { reason: 'FieldValueInvalid', message: 'Invalid value: "x": not a level', field: 'metadata.labels' },
    ];
    const plugin: AdmissionPlugin = {
      name: 'labels',
      validate: (req) =>
        req.kind.kind === 'Namespace' && req.operation === 'CREATE'
          ? {
              warnings: [],
              denied: Object.assign(
                { code: 422, reason: 'Invalid' as const, message: 'Namespace "ns2" is invalid: metadata.labels: …' },
                { details: { name: 'ns2', kind: 'Namespace', causes } },
              ),
            }
          : { warnings: [] },
    };
    const { call } = setup({ admission: [plugin] });
    const r = call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns2' } });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ reason: 'Invalid', details: { name: 'ns2', kind: 'Namespace', causes } });
  });

  it('generates a generateName name before validating admission, on the dry-run path too', () => {
    const seen: string[] = [];
    const plugin: AdmissionPlugin = {
      name: 'deny',
      validate: (req) => {
        if (req.kind.kind !== 'Pod') return { warnings: [] };
        seen.push(req.name);
        return {
          warnings: [],
          denied: { code: 403, reason: 'Forbidden', message: `pods "${req.name}" is forbidden: no` },
        };
      },
    };
    const { call } = setup({ admission: [plugin] });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [] } };
    const real = call('POST', '/api/v1/namespaces/dev/pods', pod);
    const dry = call('POST', '/api/v1/namespaces/dev/pods?dryRun=All', pod);
    expect(seen).toHaveLength(2);
    for (const name of seen) expect(name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(real.body).toMatchObject({ code: 403, details: { name: seen[0] } });
    expect(dry.body).toMatchObject({ code: 403, message: `pods "${seen[1]}" is forbidden: no` });
  });
  it('records Update managedFields per manager', () => {
    const { call } = setup();
    call('POST', '/api/v1/namespaces/dev/configmaps?fieldManager=first', cm('c'));
    const r = call(
      'PUT',
      '/api/v1/namespaces/dev/configmaps/c?fieldManager=second',
      cm('c', { data: { a: '1', b: '2' } }),
    );
    const fields = (r.body as { metadata: { managedFields: { manager: string; fieldsV1: unknown }[] } }).metadata
      .managedFields;
    expect(fields.map((f) => f.manager)).toEqual(['first', 'second']);
    expect(fields[1]!.fieldsV1).toEqual({ 'f:data': { 'f:b': {} } });
  });

  it('watches from a resourceVersion with bookmarks and a timeout', () => {
    const { call, cluster, clock } = setup();
    const rv = (call('GET', '/api/v1/namespaces/dev/configmaps').body as { metadata: { resourceVersion: string } })
      .metadata.resourceVersion;
    call('POST', '/api/v1/namespaces/dev/configmaps', cm('before'));
    const w = collect(
      cluster.handle({
        method: 'GET',
        path: '/api/v1/namespaces/dev/configmaps',
        query: { watch: ['true'], resourceVersion: [rv], allowWatchBookmarks: ['true'], timeoutSeconds: ['90'] },
        headers: { authorization: 'Bearer admin' },
      }),
    );
    call('POST', '/api/v1/namespaces/dev/configmaps', cm('after'));
    call('DELETE', '/api/v1/namespaces/dev/configmaps/before');
    clock.advance(60_000);
    expect(w.lines().map((e) => (e as { type: string }).type)).toEqual(['ADDED', 'ADDED', 'DELETED', 'BOOKMARK']);
    expect(w.ended()).toBe(false);
    clock.advance(30_000);
    expect(w.ended()).toBe(true);
  });

  it('answers a watch from a resourceVersion older than its history with 410 Expired', () => {
    const clock = new ManualClock();
    const cluster = createCluster({ clock, ids: new SequentialIds(), adminToken: 'admin' });
    const call = (method: string, path: string, body?: unknown) => cluster.callApi('admin', method, path, body);
    call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
    for (let i = 0; i < 2100; i++) call('POST', '/api/v1/namespaces/dev/configmaps', cm(`c${i}`));
    const w = collect(
      cluster.handle({
        method: 'GET',
        path: '/api/v1/configmaps',
        query: { watch: ['1'], resourceVersion: ['2'] },
        headers: { authorization: 'Bearer admin' },
      }),
    );
    expect(w.lines()).toEqual([{ type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) }]);
  });

  it('deletes a scheduled pod gracefully and removes it when the grace period ends', () => {
    const { call, clock } = setup();
    call('POST', '/api/v1/namespaces/dev/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { nodeName: 'n1', terminationGracePeriodSeconds: 10, containers: [{ name: 'c', image: 'x' }] },
    });
    const del = call('DELETE', '/api/v1/namespaces/dev/pods/p');
    expect((del.body as { metadata: { deletionGracePeriodSeconds: number } }).metadata.deletionGracePeriodSeconds).toBe(
      10,
    );
    expect(call('GET', '/api/v1/namespaces/dev/pods/p').status).toBe(200);
    clock.advance(10_000);
    expect(call('GET', '/api/v1/namespaces/dev/pods/p').status).toBe(404);
  });

  it('terminates a namespace, then removes it with its contents (built-in fallback)', () => {
    const { call, clock } = setup();
    call('POST', '/api/v1/namespaces/dev/configmaps', cm('c'));
    const del = call('DELETE', '/api/v1/namespaces/dev');
    expect((del.body as { status: { phase: string } }).status.phase).toBe('Terminating');
    expect((call('POST', '/api/v1/namespaces/dev/configmaps', cm('d')).body as { message: string }).message).toBe(
      'configmaps "" is forbidden: unable to create new content in namespace dev because it is being terminated',
    );
    clock.advance(0);
    expect(call('GET', '/api/v1/namespaces/dev').status).toBe(404);
    expect(call('GET', '/api/v1/configmaps').body).toMatchObject({ items: [] });
  });

  it('collects owned objects in the background when the owner goes', () => {
    const { call, clock } = setup();
    const owner = call('POST', '/api/v1/namespaces/dev/configmaps', cm('owner')).body as { metadata: { uid: string } };
    call(
      'POST',
      '/api/v1/namespaces/dev/configmaps',
      cm('owned', {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
        },
      }),
    );
    call('DELETE', '/api/v1/namespaces/dev/configmaps/owner');
    clock.advance(0);
    expect(call('GET', '/api/v1/namespaces/dev/configmaps/owned').status).toBe(404);
  });

  it('never throws on garbage', () => {
    const { cluster } = setup();
    const r = cluster.handle({
      method: 'POST',
      path: '/api/v1/namespaces/dev/configmaps',
      query: {},
      headers: { authorization: 'Bearer admin', 'content-type': 'application/vnd.kubernetes.protobuf' },
      body: Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0xff, 0xff, 0xff]),
    });
    expect(r.kind === 'body' && r.status).toBe(400);
  });

  it('hands proxy subresource requests to the proxy slot, with the path after proxy', () => {
    const seen: string[] = [];
    const { call } = setup({
      proxy: (req) => {
        seen.push(`${req.method} ${req.resource} ${req.name} ${req.path}`);
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'kubelet says hi' };
      },
    });
    call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const r = call('GET', '/api/v1/nodes/n1:10250/proxy/pods/list');
    expect(r).toMatchObject({ status: 200, body: 'kubelet says hi' });
    expect(seen).toEqual(['GET nodes n1:10250 /pods/list']);
    expect(call('GET', '/api/v1/nodes/nope/proxy/').status).toBe(404);
  });
});

describe('the schema engine in the write pipeline', () => {
  const setupSchema = () => {
    const made = setup({ schema: SCHEMA_ENGINE });
    const call = (method: string, path: string, body?: unknown) =>
      made.cluster.callApi(
        'admin',
        method,
        path,
        body,
        method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {},
      );
    return { ...made, call };
  };
  const raw = (cluster: Cluster, method: string, path: string, body: string, type = 'application/json') =>
    cluster.callApi('admin', method, path, new TextEncoder().encode(body), { 'content-type': type });
  const pod = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...extra },
  });

  it('refuses unknown fields as the decoder does: wrapped on create and update, bare on patches', () => {
    const { call } = setupSchema();
    const strict = '?fieldValidation=Strict';
    expect(call('POST', `/api/v1/namespaces/dev/pods${strict}`, pod('p', { foo: 1 })).body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"',
    });
    expect(call('POST', '/api/v1/namespaces/dev/pods', pod('p')).status).toBe(201);
    const patched = call('PATCH', `/api/v1/namespaces/dev/pods/p${strict}`, { spec: { foo: 1 } });
    expect(patched.body).toMatchObject({ code: 400, message: 'strict decoding error: unknown field "spec.foo"' });
    const warned = call('POST', '/api/v1/namespaces/dev/pods?fieldValidation=Warn', pod('w', { foo: 1 }));
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toEqual(['299 - "unknown field \\"spec.foo\\""']);
  });

  it('refuses values of the wrong type with Go decoder words, whatever the field validation', () => {
    const { call } = setupSchema();
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 'two',
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    };
    const r = call('POST', '/apis/apps/v1/namespaces/dev/deployments?fieldValidation=Ignore', deployment);
    expect(r.body).toMatchObject({
      code: 400,
      message:
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    });
  });

  it('finds duplicate fields in the raw JSON body', () => {
    const { cluster } = setupSchema();
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","name":"d"},"data":{"a":"1"}}';
    const r = raw(cluster, 'POST', '/api/v1/namespaces/dev/configmaps?fieldValidation=Strict', body);
    expect(r.body).toMatchObject({
      code: 400,
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name"',
    });
    const warned = raw(cluster, 'POST', '/api/v1/namespaces/dev/configmaps?fieldValidation=Warn', body);
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toEqual(['299 - "duplicate field \\"metadata.name\\""']);
  });

  it('enforces immutable fields and the pod update rules on updates', () => {
    const { call, cluster } = setupSchema();
    call('POST', '/api/v1/namespaces/dev/configmaps', cm('frozen', { immutable: true }));
    const changed = call('PATCH', '/api/v1/namespaces/dev/configmaps/frozen', { data: { a: '2' } });
    expect(changed.status).toBe(422);
    expect((changed.body as { message: string }).message).toContain('data: Forbidden: field is immutable');
    call('POST', '/api/v1/namespaces/dev/pods', pod('p'));
    const r = call('PATCH', '/api/v1/namespaces/dev/pods/p', { spec: { restartPolicy: 'Never' } });
    expect(r.status).toBe(422);
    expect((r.body as { message: string }).message).toContain('pod updates may not change fields other than');
    const image = cluster.callApi(
      'admin',
      'PATCH',
      '/api/v1/namespaces/dev/pods/p',
      { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    expect(image.status).toBe(200);
  });

  it('records managedFields with the schema engine before admission adds its pod defaults', () => {
    const { call } = setupSchema();
    const r = call('POST', '/api/v1/namespaces/dev/pods?fieldManager=kubectl-create', pod('p'));
    const entry = (r.body as { metadata: { managedFields: { manager: string; fieldsV1: Record<string, unknown> }[] } })
      .metadata.managedFields[0]!;
    expect(entry.manager).toBe('kubectl-create');
    const spec = entry.fieldsV1['f:spec'] as Record<string, unknown>;
    expect(spec['f:containers']).toHaveProperty(['k:{"name":"c"}']);
    expect(spec['f:restartPolicy']).toEqual({});
    expect(spec['f:serviceAccountName']).toBeUndefined();
    expect((r.body as { spec: { serviceAccountName: string } }).spec.serviceAccountName).toBe('default');
  });

  it('serves OpenAPI v2 as JSON, and refuses a protobuf-only Accept', () => {
    const { cluster } = setupSchema();
    const json = cluster.callApi('admin', 'GET', '/openapi/v2', undefined, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect((json.body as { swagger: string }).swagger).toBe('2.0');
    const proto = cluster.callApi('admin', 'GET', '/openapi/v2', undefined, {
      accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    });
    expect(proto.status).toBe(406);
  });
});
