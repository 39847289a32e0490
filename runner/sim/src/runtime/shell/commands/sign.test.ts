import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { testKey, testSignature } from '../../../admission/testing/cosign-keys.ts';
import { createTestCluster } from '../../testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const TEAM = testKey(7);
const OTHER = testKey(9);
const REPO = 'registry.lab.local/shop/web';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const images: ImageDefinition[] = [
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: REPO,
    tags: ['1.0'],
    digest: D1,
    signatures: [testSignature(TEAM, REPO, D1)],
  },
  { apiVersion: 'paranoid.dev/v1', kind: 'Image', repository: REPO, tags: ['rc'], digest: D2 },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'registry.lab.local/tools/verifier',
    tags: ['1'],
    digest: `sha256:${'3'.repeat(64)}`,
    binaries: ['sh', 'sleep', 'cosign'],
    files: { '/keys/team.pub': TEAM.pem, '/keys/other.pub': OTHER.pem },
  },
];

async function verifier() {
  cluster = createTestCluster({ images });
  await cluster.createPod({
    metadata: { name: 'v' },
    spec: { containers: [{ name: 'c', image: 'registry.lab.local/tools/verifier:1', command: ['sleep', 'infinity'] }] },
  });
  return (...args: string[]) => cluster.run({ pod: 'v', command: ['cosign', ...args] });
}

describe('cosign in a container', () => {
  it('verifies a signed image against the key that signed it, and prints the payload', async () => {
    const cosign = await verifier();
    const ok = await cosign('verify', '--key', '/keys/team.pub', '--insecure-ignore-tlog=true', `${REPO}:1.0`);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`Verification for ${REPO}:1.0 --`);
    expect(JSON.parse(ok.stdout)[0].critical.image['docker-manifest-digest']).toBe(D1);
  });

  it('fails for another key, an unsigned image, and without the tlog flag, with cosign texts', async () => {
    const cosign = await verifier();
    const other = await cosign('verify', '--key', '/keys/other.pub', '--insecure-ignore-tlog', `${REPO}:1.0`);
    expect(other).toMatchObject({ code: 1 });
    expect(other.stderr).toContain(
      'Error: no matching signatures: invalid signature when validating ASN.1 encoded signature',
    );
    const unsigned = await cosign('verify', '--key', '/keys/team.pub', '--insecure-ignore-tlog=true', `${REPO}:rc`);
    expect(unsigned.stderr).toContain('Error: no signatures found');
    const tlog = await cosign('verify', '--key', '/keys/team.pub', `${REPO}:1.0`);
    expect(tlog.code).toBe(1);
    expect(tlog.stderr).toContain('--insecure-ignore-tlog=true');
  });

  it('reads a key from the environment, and names where signatures live', async () => {
    const cosign = await verifier();
    const r = await cluster.run({
      pod: 'v',
      command: ['sh', '-c', `K='${TEAM.pem}' cosign verify --key env://K --insecure-ignore-tlog=true ${REPO}:1.0`],
    });
    expect(r.code).toBe(0);
    expect((await cosign('triangulate', `${REPO}:1.0`)).stdout).toBe(`${REPO}:sha256-${'1'.repeat(64)}.sig\n`);
  });
});
