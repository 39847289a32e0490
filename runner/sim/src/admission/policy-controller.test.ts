import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedCluster } from '../assemble.ts';
import { ManualClock, SequentialIds } from '../clock.ts';
import type { Cluster } from '../cluster.ts';
import { testAttestation, testKey, testSignature } from './testing/cosign-keys.ts';

const ADMIN = 'admin-token';
const running: Cluster[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.stop();
});

const TEAM = testKey(7);
const OTHER = testKey(9);
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const signature = testSignature;
const attestation = testAttestation;

const image = (repository: string, tag: string, d: string, extra: Partial<ImageDefinition> = {}): ImageDefinition => ({
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository,
  tags: [tag],
  digest: d,
  ...extra,
});

const REPO = 'registry.lab.local/shop/web';
const IMAGES: ImageDefinition[] = [
  image(REPO, '1.0', digest(1), { signatures: [signature(TEAM, REPO, digest(1))] }),
  image(REPO, 'unsigned', digest(2)),
  image(REPO, 'other-key', digest(3), { signatures: [signature(OTHER, REPO, digest(3))] }),
  // The 1.0 signature copied next to another image: it names 1.0's digest.
  image('regsitry.lab.local/shop/web', '1.0', digest(4), { signatures: [signature(TEAM, REPO, digest(1))] }),
  image(REPO, 'attested', digest(5), {
    signatures: [signature(TEAM, REPO, digest(5))],
    attestations: [attestation(TEAM, 'https://cosign.sigstore.dev/attestation/vuln/v1', digest(5))],
  }),
];

const CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'clusterimagepolicies.policy.sigstore.dev' },
  spec: {
    group: 'policy.sigstore.dev',
    names: { kind: 'ClusterImagePolicy', plural: 'clusterimagepolicies', singular: 'clusterimagepolicy' },
    scope: 'Cluster',
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

async function settle(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t <= ms; t += 100) {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    clock.advance(100);
  }
}

async function cluster(options: { crd?: boolean; include?: boolean } = {}): Promise<Cluster> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const c = createSimulatedCluster({ clock, ids: new SequentialIds(), adminToken: ADMIN, images: IMAGES });
  running.push(c);
  await settle(clock, 2000);
  if (options.crd !== false)
    expect(call(c, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD).status).toBe(201);
  const labels = options.include === false ? {} : { 'policy.sigstore.dev/include': 'true' };
  call(c, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels } });
  await settle(clock, 500);
  return c;
}

function call(c: Cluster, method: string, path: string, body?: unknown) {
  return c.callApi(ADMIN, method, path, body);
}

const CIPS = '/apis/policy.sigstore.dev/v1beta1/clusterimagepolicies';

function policy(spec: Record<string, unknown>, name = 'team'): KubeObject {
  return { apiVersion: 'policy.sigstore.dev/v1beta1', kind: 'ClusterImagePolicy', metadata: { name }, spec };
}

const teamPolicy = (extra: Record<string, unknown> = {}) =>
  policy({ images: [{ glob: 'registry.lab.local/shop/**' }], authorities: [{ key: { data: TEAM.pem } }], ...extra });

function pod(img: string, name = 'p'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop' },
    spec: { containers: [{ name: 'c', image: img }] },
  };
}

/** A dry-run create of a pod: the status, the message of a denial, and the image as admitted. */
function tryPod(c: Cluster, img: string) {
  const r = call(c, 'POST', '/api/v1/namespaces/shop/pods?dryRun=All', pod(img));
  const body = r.body as { message?: string; spec?: { containers: { image: string }[] } };
  return { status: r.status, message: body.message ?? '', image: body.spec?.containers[0]?.image, headers: r.headers };
}

describe('policy-controller admission', () => {
  it('admits an image signed with the policy key, with its tag resolved to the verified digest', async () => {
    const c = await cluster();
    expect(call(c, 'POST', CIPS, teamPolicy()).status).toBe(201);
    const admitted = tryPod(c, `${REPO}:1.0`);
    expect(admitted.status).toBe(201);
    expect(admitted.image).toBe(`${REPO}@${digest(1)}`);
  });

  it('refuses an unsigned image from the right registry, with policy-controller text', async () => {
    const c = await cluster();
    call(c, 'POST', CIPS, teamPolicy());
    const refused = tryPod(c, `${REPO}:unsigned`);
    expect(refused.status).toBe(400);
    expect(refused.message).toBe(
      `admission webhook "policy.sigstore.dev" denied the request: validation failed: failed policy: team: spec.containers[0].image\n` +
        `${REPO}@${digest(2)} signature key validation failed for authority authority-0 for ${REPO}@${digest(2)}: no signatures found`,
    );
  });

  it('refuses an image signed with another key, and a signature copied from another digest', async () => {
    const c = await cluster();
    call(
      c,
      'POST',
      CIPS,
      policy({ images: [{ glob: '**' }], authorities: [{ name: 'team', key: { data: TEAM.pem } }] }),
    );
    expect(tryPod(c, `${REPO}:other-key`).message).toContain(
      'for authority team for registry.lab.local/shop/web@sha256:3333333333333333333333333333333333333333333333333333333333333333: no matching signatures: invalid signature when validating ASN.1 encoded signature',
    );
    const copied = tryPod(c, 'regsitry.lab.local/shop/web:1.0');
    expect(copied.status).toBe(400);
    expect(copied.message).toContain(`no matching signatures: invalid or missing digest in claim: ${digest(1)}`);
  });

  it('refuses an image no policy matches, unless no-match-policy says allow or warn', async () => {
    const c = await cluster();
    call(c, 'POST', CIPS, teamPolicy());
    const refused = tryPod(c, 'regsitry.lab.local/shop/web:1.0');
    expect(refused.message).toBe(
      `admission webhook "policy.sigstore.dev" denied the request: validation failed: no matching policies: spec.containers[0].image\nregsitry.lab.local/shop/web@${digest(4)}`,
    );
    call(c, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cosign-system' } });
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-policy-controller', namespace: 'cosign-system' },
    };
    call(c, 'POST', '/api/v1/namespaces/cosign-system/configmaps', { ...config, data: { 'no-match-policy': 'warn' } });
    const warned = tryPod(c, 'regsitry.lab.local/shop/web:1.0');
    expect(warned.status).toBe(201);
    expect(String(warned.headers.warning)).toContain('no matching policies');
    call(c, 'PUT', '/api/v1/namespaces/cosign-system/configmaps/config-policy-controller', {
      ...config,
      data: { 'no-match-policy': 'allow' },
    });
    expect(tryPod(c, 'regsitry.lab.local/shop/web:1.0').status).toBe(201);
  });

  it('needs every matching policy, but only one authority of each', async () => {
    const c = await cluster();
    call(
      c,
      'POST',
      CIPS,
      policy(
        {
          images: [{ glob: 'registry.lab.local/**' }],
          authorities: [{ key: { data: OTHER.pem } }, { key: { data: TEAM.pem } }],
        },
        'either',
      ),
    );
    expect(tryPod(c, `${REPO}:1.0`).status).toBe(201);
    expect(tryPod(c, `${REPO}:other-key`).status).toBe(201);
    call(c, 'POST', CIPS, teamPolicy());
    expect(tryPod(c, `${REPO}:1.0`).status).toBe(201);
    expect(tryPod(c, `${REPO}:other-key`).message).toContain('failed policy: team');
  });

  it('passes anything a static pass authority matches, and warns only in warn mode', async () => {
    const c = await cluster();
    call(
      c,
      'POST',
      CIPS,
      policy({ images: [{ glob: 'registry.lab.local/**' }], authorities: [{ static: { action: 'pass' } }] }),
    );
    expect(tryPod(c, `${REPO}:unsigned`).status).toBe(201);
    call(c, 'DELETE', `${CIPS}/team`);
    call(c, 'POST', CIPS, teamPolicy({ mode: 'warn' }));
    const warned = tryPod(c, `${REPO}:unsigned`);
    expect(warned.status).toBe(201);
    expect(String(warned.headers.warning)).toContain('failed policy: team');
  });

  it('refuses what a policy without authorities matches, and lets static pass through without the registry', async () => {
    const c = await cluster();
    call(c, 'POST', CIPS, policy({ images: [{ glob: 'registry.lab.local/**' }] }, 'empty'));
    expect(tryPod(c, `${REPO}:1.0`).message).toContain(
      `failed policy: empty: spec.containers[0].image\n${REPO}@${digest(1)} failed to process policy: empty`,
    );
    call(c, 'DELETE', `${CIPS}/empty`);
    call(
      c,
      'POST',
      CIPS,
      policy({
        images: [{ glob: 'registry.lab.local/**' }],
        authorities: [{ static: { action: 'pass' } }, { key: { data: TEAM.pem } }],
      }),
    );
    expect(tryPod(c, `${REPO}@${digest(8)}`).status).toBe(201);
  });

  it('refuses a tag it cannot resolve as not a digest, and judges Deployments too', async () => {
    const c = await cluster();
    call(c, 'POST', CIPS, teamPolicy());
    expect(tryPod(c, `${REPO}:9.9`).message).toContain(
      `invalid value: ${REPO}:9.9 must be an image digest: spec.containers[0].image`,
    );
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: `${REPO}:unsigned` }] },
        },
      },
    };
    const r = call(c, 'POST', '/apis/apps/v1/namespaces/shop/deployments?dryRun=All', deployment);
    expect((r.body as { message: string }).message).toContain(
      'failed policy: team: spec.template.spec.containers[0].image',
    );
  });

  it('leaves namespaces that did not opt in, and clusters without the CRD, alone', async () => {
    const out = await cluster({ include: false });
    call(out, 'POST', CIPS, teamPolicy());
    expect(tryPod(out, `${REPO}:unsigned`).status).toBe(201);
    const none = await cluster({ crd: false });
    expect(tryPod(none, `${REPO}:unsigned`).status).toBe(201);
  });

  it('requires a verified attestation of the named predicate type', async () => {
    const c = await cluster();
    const attesting = (predicateType: string) =>
      policy({
        images: [{ glob: 'registry.lab.local/**' }],
        authorities: [{ name: 'gate', key: { data: TEAM.pem }, attestations: [{ name: 'scan', predicateType }] }],
      });
    call(c, 'POST', CIPS, attesting('vuln'));
    expect(tryPod(c, `${REPO}:attested`).status).toBe(201);
    expect(tryPod(c, `${REPO}:1.0`).message).toContain('attestation key validation failed for authority gate');
    call(c, 'DELETE', `${CIPS}/team`);
    call(c, 'POST', CIPS, attesting('slsaprovenance'));
    expect(tryPod(c, `${REPO}:attested`).message).toContain(
      'no matching attestations with type slsaprovenance, checked the following predicateTypes: "https://cosign.sigstore.dev/attestation/vuln/v1"',
    );
  });

  it('validates a ClusterImagePolicy as its webhook does, every problem at once', async () => {
    const c = await cluster();
    const r = call(
      c,
      'POST',
      CIPS,
      policy({
        authorities: [{ key: { data: TEAM.pem }, static: { action: 'pass' } }, { key: { data: 'nope' } }],
        mode: 'audit',
      }),
    );
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toBe(
      'admission webhook "validating.clusterimagepolicy.sigstore.dev" denied the request: validation failed: ' +
        'expected exactly one, got both: spec.authorities[0].key, spec.authorities[0].keyless, spec.authorities[0].static\n' +
        'invalid value: audit: spec.mode\nunsupported mode\n' +
        'invalid value: nope: spec.authorities[1].key.data\n' +
        'missing field(s): spec.images',
    );
    const named = call(c, 'POST', CIPS, teamPolicy());
    expect((named.body as { spec: { authorities: { name: string }[] } }).spec.authorities[0]?.name).toBe('authority-0');
  });
});
