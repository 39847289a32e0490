import type { Node } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { describeInstances, modifyInstanceMetadataOptions } from '../ec2.ts';
import { existingState } from '../state.ts';
import { setupBootstrapped } from '../testing/bootstrapped.ts';
import { MAX_TOKENS } from './metadata.ts';

/**
 * The node's cloud metadata service as pods reach it, through curl in a real
 * bootstrapped cluster: IMDSv1, the IMDSv2 token flow, and what the cloud's
 * control plane changes (tokens required, the PUT's hop limit).
 */

const IMDS = 'http://169.254.169.254';
const CREDS = `${IMDS}/latest/meta-data/iam/security-credentials/paranoid-node-role`;

async function withPods() {
  const env = setupBootstrapped();
  const { cluster, settle } = env;
  const nodeName = (cluster.store.list({ group: '', resource: 'nodes' })[0] as Node).metadata!.name!;
  const pod = (name: string, hostNetwork: boolean) =>
    cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        nodeName,
        hostNetwork,
        containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }],
      },
    });
  pod('app', false);
  pod('host', true);
  await settle(6000);
  const state = existingState(cluster.store)!;
  const instance = describeInstances(state).find((i) => i.Tags[0]!.Value === nodeName)!;
  /**
   * curl's PUT for an IMDSv2 token from a pod: `-sS`, or `-s` with the status code written when
   * `code`; a time limit (`-m`) when given; the TTL header unless `ttl` is null; then `headers`.
   */
  const put = (
    from: string,
    opts: { ttl?: string | null; maxSeconds?: number; code?: boolean; headers?: string[] } = {},
  ) =>
    env.run(from, [
      'curl',
      ...(opts.code ? ['-s', '-w', '%{http_code}'] : ['-sS']),
      ...(opts.maxSeconds === undefined ? [] : ['-m', String(opts.maxSeconds)]),
      '-X',
      'PUT',
      `${IMDS}/latest/api/token`,
      ...(opts.ttl === null ? [] : ['-H', `X-aws-ec2-metadata-token-ttl-seconds: ${opts.ttl ?? '21600'}`]),
      ...(opts.headers ?? []).flatMap((h) => ['-H', h]),
    ]);
  const token = async (from: string, ttl = '21600') => put(from, { ttl });
  const get = async (from: string, url: string, tok?: string) =>
    env.run(from, [
      'curl',
      '-sS',
      '-w',
      '\\n%{http_code}',
      ...(tok ? ['-H', `X-aws-ec2-metadata-token: ${tok}`] : []),
      url,
    ]);
  return { ...env, state, instance, put, token, get };
}

describe('the instance metadata service', () => {
  it('by default answers a pod with and without a token: the SSRF target', async () => {
    const { token, get } = await withPods();
    const v1 = await get('app', CREDS);
    expect(v1.out).toMatch(/"AccessKeyId": "AKIAIOSFODNN7EXAMPLE"[\s\S]*\n200$/);
    const t = await token('app');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect((await get('app', CREDS, t.out)).out).toMatch(/\n200$/);
  });

  it('with tokens required and hop limit 1: a pod gets 401 without a token and no answer to the PUT; the node still works', async () => {
    const env = await withPods();
    const { state, instance, token, get } = env;
    const r = modifyInstanceMetadataOptions(state, instance.InstanceId, {
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
    });
    expect(r.ok && r.instance.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect((await get('app', CREDS)).out).toBe('\n401');
    const lost = await token('app');
    expect(lost.code).toBe(28);
    expect(lost.out).toBe('');
    expect(lost.err).toBe('curl: (28) Operation timed out after 10001 milliseconds with 0 bytes received\n');
    const bounded = await env.put('app', { ttl: '60', maxSeconds: 2 });
    expect(bounded.err).toBe('curl: (28) Operation timed out after 2001 milliseconds with 0 bytes received\n');
    const t = await token('host');
    expect(t.code).toBe(0);
    expect((await get('host', CREDS)).out).toBe('\n401');
    expect((await get('host', CREDS, t.out)).out).toMatch(/"AccessKeyId"[\s\S]*\n200$/);
    // A token the node got still works from a pod: the hop limit guards the PUT only, as on AWS.
    expect((await get('app', CREDS, t.out)).out).toMatch(/\n200$/);
  });

  it('tells a lost answer (the hop limit) from a connection egress policy drops', async () => {
    const env = await withPods();
    const { state, instance, cluster } = env;
    modifyInstanceMetadataOptions(state, instance.InstanceId, { httpPutResponseHopLimit: 1 });
    const put = (from: string) => env.put(from, { ttl: '60', maxSeconds: 2 });
    expect((await put('app')).err).toContain('with 0 bytes received');
    cluster.callApi('admin', 'POST', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'no-metadata' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }],
      },
    });
    const dropped = await put('app');
    expect(dropped.code).toBe(28);
    expect(dropped.err).toContain('Failed to connect to 169.254.169.254 port 80');
    // Egress policy never applies to a hostNetwork pod: the node's own view is unchanged.
    expect((await put('host')).code).toBe(0);
  });

  it('with hop limit 2 and tokens required: a pod completes the token flow', async () => {
    const { state, instance, token, get } = await withPods();
    modifyInstanceMetadataOptions(state, instance.InstanceId, { httpTokens: 'required' });
    const t = await token('app');
    expect(t.code).toBe(0);
    expect((await get('app', CREDS, t.out)).out).toMatch(/\n200$/);
  });

  it('refuses a bad token TTL, a forwarded PUT, a made-up token and an expired one', async () => {
    const env = await withPods();
    const { put, token, get, clock } = env;
    for (const ttl of ['0', '21601', 'abc']) {
      expect((await put('app', { ttl, code: true })).out).toBe('400');
    }
    const noTtl = await put('app', { ttl: null, code: true });
    expect(noTtl.out).toBe('400');
    const forwarded = await put('app', { ttl: '60', code: true, headers: ['X-Forwarded-For: 10.0.0.1'] });
    expect(forwarded.out).toBe('403');
    expect((await get('app', CREDS, 'made-up')).out).toBe('\n401');
    const short = await token('app', '1');
    expect((await get('app', CREDS, short.out)).out).toMatch(/\n200$/);
    clock.advance(1500);
    expect((await get('app', CREDS, short.out)).out).toBe('\n401');
  });

  it('keeps a bounded number of tokens: the oldest stops working', async () => {
    const { token, get } = await withPods();
    const first = (await token('host')).out;
    for (let i = 0; i < MAX_TOKENS; i++) await token('host');
    expect((await get('host', CREDS, first)).out).toBe('\n401');
  });
});

describe('the cloud control plane', () => {
  it('validates modify-instance-metadata-options as EC2 does, and changes nothing on error', async () => {
    const { state, instance } = await withPods();
    const bad = [
      ['not-an-id', {}, 'InvalidInstanceID.Malformed'],
      ['i-0123456789abcdef0', { httpTokens: 'required' }, 'InvalidInstanceID.NotFound'],
      [instance.InstanceId, {}, 'MissingParameter'],
      [instance.InstanceId, { httpTokens: 'always' }, 'InvalidParameterValue'],
      [instance.InstanceId, { httpTokens: 'required', httpPutResponseHopLimit: 0 }, 'InvalidParameterValue'],
      [instance.InstanceId, { httpPutResponseHopLimit: 65 }, 'InvalidParameterValue'],
      [instance.InstanceId, { httpPutResponseHopLimit: 1.5 }, 'InvalidParameterValue'],
    ] as const;
    for (const [id, change, code] of bad) {
      const r = modifyInstanceMetadataOptions(state, id, change);
      expect(r.ok ? 'ok' : r.error.code).toBe(code);
    }
    expect(describeInstances(state).map((i) => i.MetadataOptions)).toEqual(
      describeInstances(state).map(() => ({
        State: 'applied',
        HttpTokens: 'optional',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled',
      })),
    );
  });
});

describe('the cloud control plane through the API', () => {
  it('lets the admin describe instances and require tokens; a pod then gets 401', async () => {
    const { cluster, instance, get } = await withPods();
    const list = cluster.callApi('admin', 'GET', '/paranoid/v1/cloud/instances');
    expect(list.status).toBe(200);
    const ids = (
      list.body as { Reservations: [{ Instances: { InstanceId: string }[] }] }
    ).Reservations[0].Instances.map((i) => i.InstanceId);
    expect(ids).toContain(instance.InstanceId);
    const r = cluster.callApi('admin', 'POST', `/paranoid/v1/cloud/instances/${instance.InstanceId}/metadata-options`, {
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 1,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      InstanceId: instance.InstanceId,
      InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
    });
    expect((await get('app', CREDS)).out).toBe('\n401');
  });

  it('refuses a service account even bound to cluster-admin, and reports EC2 errors as 400', async () => {
    const { cluster, instance, state } = await withPods();
    cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'ops' },
    });
    cluster.callApi('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ops-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'ops', namespace: 'default' }],
    });
    const tr = cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/serviceaccounts/ops/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    const token = (tr.body as { status: { token: string } }).status.token;
    expect(cluster.callApi(token, 'GET', '/api/v1/namespaces/default/pods').status).toBe(200);
    const path = `/paranoid/v1/cloud/instances/${instance.InstanceId}/metadata-options`;
    expect(cluster.callApi(token, 'POST', path, { HttpTokens: 'required' }).status).toBe(403);
    expect(cluster.callApi(token, 'GET', '/paranoid/v1/cloud/instances').status).toBe(403);
    const bad = cluster.callApi('admin', 'POST', path, { HttpPutResponseHopLimit: 0 });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain('InvalidParameterValue');
    expect(cluster.callApi('admin', 'POST', path, { HttpTokens: 7 }).status).toBe(400);
    expect(cluster.callApi('admin', 'DELETE', path).status).toBe(405);
    expect(describeInstances(state).find((i) => i.InstanceId === instance.InstanceId)?.MetadataOptions.HttpTokens).toBe(
      'optional',
    );
  });
});
