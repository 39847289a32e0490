import type { ImageDefinition } from '@paranoid/schema/image.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { setupBootstrapped } from './testing/bootstrapped.ts';
import { MAX_FETCH_DEPTH } from './url-fetch.ts';

/**
 * An app whose image says "GET /preview?url=… fetches that URL": the SSRF of
 * metadata-ssrf. The fetch leaves from the app's pod, so the pod's NetworkPolicy
 * egress decides what it reaches, not the caller's.
 */

const preview: ImageDefinition = {
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository: 'registry.lab.local/test/preview',
  tags: ['1.0'],
  digest: `sha256:${'e'.repeat(64)}`,
  files: { '/srv/big.txt': 'x'.repeat(5000) },
  processes: [
    {
      name: 'preview',
      listen: {
        port: 8080,
        kind: 'http',
        http: {
          routes: [
            { path: '/preview', method: 'GET', fetch: { query: 'url', maxBytes: 1000, timeoutSeconds: 5 } },
            { path: '/big', file: '/srv/big.txt' },
          ],
        },
      },
    },
  ],
};

const CREDS = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/paranoid-node-role';

async function withPreview() {
  const env = setupBootstrapped({ images: [preview] });
  const post = (path: string, body: unknown) => {
    const r = env.cluster.callApi('admin', 'POST', path, body);
    if (r.status >= 300) throw new Error(`failed to create ${path}: ${JSON.stringify(r.body)}`);
  };
  post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'preview', labels: { app: 'preview' } },
    spec: { containers: [{ name: 'app', image: 'registry.lab.local/test/preview:1.0' }] },
  });
  post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'toolbox' },
    spec: { containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }] },
  });
  await env.settle(6000);
  const ip = (env.cluster.callApi('admin', 'GET', '/api/v1/namespaces/default/pods/preview').body as Pod).status?.podIP;
  const fetch = async (target: string) => {
    const r = await env.run('toolbox', [
      'curl',
      '-s',
      '-w',
      '\\n%{http_code}',
      `http://${ip}:8080/preview?url=${encodeURIComponent(target)}`,
    ]);
    const i = r.out.lastIndexOf('\n');
    return { body: r.out.slice(0, i), status: Number(r.out.slice(i + 1)) };
  };
  return { ...env, post, ip, fetch };
}

describe('an image route that fetches a URL', () => {
  it('reads the node credentials from the metadata address on the caller’s behalf', async () => {
    const { fetch } = await withPreview();
    const r = await fetch(CREDS);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
  });

  it('obeys the app pod’s egress: 0.0.0.0/0 except the metadata address stops it, other hosts still answer', async () => {
    const { fetch, post, ip } = await withPreview();
    post('/apis/networking.k8s.io/v1/namespaces/default/networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'no-metadata' },
      spec: {
        podSelector: { matchLabels: { app: 'preview' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }],
      },
    });
    const r = await fetch(CREDS);
    expect(r.status).toBe(504);
    expect(r.body).toBe(
      'failed to fetch http://169.254.169.254/latest/meta-data/iam/security-credentials/paranoid-node-role: dial tcp 169.254.169.254:80: i/o timeout (after 5s)\n',
    );
    // The caller's own egress is not what decides: the toolbox still reaches the address itself.
    expect((await fetch(`http://${ip}:8080/big`)).status).toBe(200);
  });

  it('answers 401 through the SSRF once tokens are required: a GET cannot carry the PUT’s token', async () => {
    const env = await withPreview();
    const { existingState } = await import('./state.ts');
    const { describeInstances, modifyInstanceMetadataOptions } = await import('./ec2.ts');
    const state = existingState(env.cluster.store)!;
    for (const i of describeInstances(state))
      modifyInstanceMetadataOptions(state, i.InstanceId, { httpTokens: 'required' });
    expect((await env.fetch(CREDS)).status).toBe(401);
  });

  it('bounds what it fetches: the body is cut, nesting stops, bad URLs get 400', async () => {
    const { fetch, ip } = await withPreview();
    const big = await fetch(`http://${ip}:8080/big`);
    expect(big.body).toBe('x'.repeat(1000));
    let url = CREDS;
    for (let i = 0; i < MAX_FETCH_DEPTH + 1; i++) url = `http://${ip}:8080/preview?url=${encodeURIComponent(url)}`;
    const nested = await fetch(url);
    expect(nested.body).toContain('too many nested fetches');
    expect(nested.status).toBe(508);
    expect((await fetch('file:///etc/passwd')).status).toBe(400);
    expect((await fetch('not a url')).status).toBe(400);
    expect((await fetch(`http://x/${'a'.repeat(3000)}`)).status).toBe(414);
    expect((await fetch('http://nowhere.invalid/')).body).toContain('no such host');
    // The API server speaks TLS only: plain HTTP gets its 400, HTTPS fails the app's certificate check.
    const plain = await fetch('http://kubernetes.default.svc:443/api/v1/secrets');
    expect([plain.status, plain.body]).toEqual([400, 'Client sent an HTTP request to an HTTPS server.\n']);
    expect((await fetch('https://kubernetes.default.svc/api/v1/secrets')).body).toContain('x509');
  });
});
