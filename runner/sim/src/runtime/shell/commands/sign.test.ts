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

describe('cosign verify and verify-attestation refuse alike before they verify', () => {
  const refusals: Array<[string, string[], string]> = [
    [
      'no key',
      ['--insecure-ignore-tlog', `${REPO}:1.0`],
      'no key or identity given: this lab signs with keys, pass --key',
    ],
    [
      'a key file that is not there',
      ['--key', '/keys/none.pub', '--insecure-ignore-tlog', `${REPO}:1.0`],
      'loading public key: reading key /keys/none.pub: no such file or variable',
    ],
    [
      'a key from an unset variable',
      ['--key=env://NOPE', '--insecure-ignore-tlog', `${REPO}:1.0`],
      'loading public key: reading key env://NOPE: no such file or variable',
    ],
    [
      'a file that is not a public key',
      ['--key', '/etc/hostname', '--insecure-ignore-tlog', `${REPO}:1.0`],
      'loading public key: PEM decoding failed',
    ],
    ['no image', ['--key', '/keys/team.pub', '--insecure-ignore-tlog'], 'accepts 1 arg(s), received 0'],
    [
      'two images',
      ['--key', '/keys/team.pub', '--insecure-ignore-tlog', `${REPO}:1.0`, `${REPO}:rc`],
      'accepts 1 arg(s), received 2',
    ],
    [
      'an unknown flag',
      ['--key', '/keys/team.pub', '--certificate', 'c.pem', `${REPO}:1.0`],
      'unknown flag: --certificate',
    ],
    [
      'an image the registry does not have',
      ['--key', '/keys/team.pub', '--insecure-ignore-tlog', `${REPO}:9.9`],
      'image tag not found: ',
    ],
  ];

  for (const [what, args, text] of refusals) {
    it(`refuses ${what} with cosign's text, and prints nothing on stdout`, async () => {
      const cosign = await verifier();
      for (const command of ['verify', 'verify-attestation']) {
        const r = await cosign(command, ...args);
        expect(r, command).toMatchObject({ code: 1, stdout: '' });
        expect(r.stderr, command).toContain(`Error: ${text}`);
        expect(r.stderr, command).toContain(`main.go:74: error during command execution: ${text}`);
      }
    });
  }

  it('names what it looks for when the transparency log is not waived, and warns when it is', async () => {
    const cosign = await verifier();
    const signatures = await cosign('verify', '--key', '/keys/team.pub', `${REPO}:1.0`);
    expect(signatures.stderr).toContain(
      'Error: no matching signatures: signature not found in transparency log (this lab has no Rekor: add --insecure-ignore-tlog=true)',
    );
    const attestations = await cosign('verify-attestation', '--key', '/keys/team.pub', `${REPO}:1.0`);
    expect(attestations.stderr).toContain(
      'Error: no matching attestations: signature not found in transparency log (this lab has no Rekor: add --insecure-ignore-tlog=true)',
    );
    const waived = await cosign(
      'verify-attestation',
      '--key',
      '/keys/team.pub',
      '--insecure-ignore-tlog',
      `${REPO}:1.0`,
    );
    expect(waived.stderr).toMatch(
      /^WARNING: Skipping tlog verification is an insecure practice that lacks of transparency and auditability verification for the attestation\.\n/,
    );
  });
});

describe('cosign signing in a container, as a pipeline runs it', () => {
  const VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1';
  const SCANNED = `sha256:${'4'.repeat(64)}`;
  const ci: ImageDefinition[] = [
    ...images,
    {
      apiVersion: 'paranoid.dev/v1',
      kind: 'Image',
      repository: REPO,
      tags: ['2.0'],
      digest: SCANNED,
      packages: [
        {
          name: 'bash',
          version: '4.2+dfsg-0.1',
          type: 'deb',
          vulnerabilities: [{ id: 'CVE-2014-6271', severity: 'CRITICAL', fixedVersion: '4.2+dfsg-0.1+deb7u1' }],
        },
      ],
    },
    {
      apiVersion: 'paranoid.dev/v1',
      kind: 'Image',
      repository: 'registry.lab.local/tools/signer',
      tags: ['1'],
      digest: `sha256:${'5'.repeat(64)}`,
      binaries: ['sh', 'sleep', 'cat', 'cosign', 'trivy'],
      files: {
        '/keys/ci.key': TEAM.privatePem,
        '/keys/ci.pub': TEAM.pem,
        '/keys/other.pub': OTHER.pem,
        // What `cosign generate-key-pair` writes: scrypt and secretbox, which the simulator does not model.
        '/keys/enc.key':
          '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAA==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n',
      },
    },
  ];

  async function signer() {
    cluster = createTestCluster({ images: ci });
    await cluster.createPod({
      metadata: { name: 's' },
      spec: { containers: [{ name: 'c', image: 'registry.lab.local/tools/signer:1', command: ['sleep', 'infinity'] }] },
    });
    return (script: string) => cluster.run({ pod: 's', command: ['sh', '-c', script] });
  }

  it('attests a Trivy cosign-vuln report that verify-attestation accepts under the key, and no other', async () => {
    const sh = await signer();
    const scan = await sh(`trivy image --format cosign-vuln --output /tmp/vuln.json ${REPO}:2.0; echo "exit=$?"`);
    expect(scan.stdout).toBe('exit=0\n');
    const predicate = JSON.parse((await sh('cat /tmp/vuln.json')).stdout);
    expect(predicate.scanner.uri).toBe('pkg:github/aquasecurity/trivy@v0.58.1');
    expect(predicate.scanner.result.Results[0].Vulnerabilities[0].VulnerabilityID).toBe('CVE-2014-6271');

    const before = await sh(
      `cosign verify-attestation --key /keys/ci.pub --type vuln --insecure-ignore-tlog=true ${REPO}:2.0`,
    );
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('no matching attestations');

    const attest = await sh(
      `cosign attest --yes --key /keys/ci.key --type vuln --predicate /tmp/vuln.json --tlog-upload=false ${REPO}:2.0`,
    );
    expect(attest).toMatchObject({ code: 0, stderr: 'Using payload from: /tmp/vuln.json\n' });

    const ok = await sh(
      `cosign verify-attestation --key /keys/ci.pub --type vuln --insecure-ignore-tlog=true ${REPO}:2.0`,
    );
    expect(ok.code).toBe(0);
    const envelope = JSON.parse(ok.stdout);
    const statement = JSON.parse(atob(envelope.payload));
    expect(statement).toMatchObject({ predicateType: VULN, subject: [{ digest: { sha256: '4'.repeat(64) } }] });
    const other = await sh(
      `cosign verify-attestation --key /keys/other.pub --type vuln --insecure-ignore-tlog=true ${REPO}:2.0`,
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('invalid signature when validating ASN.1 encoded signature');
  });

  it('signs an image digest that verify then accepts, and refuses to sign without --tlog-upload=false', async () => {
    const sh = await signer();
    const tlog = await sh(`cosign sign --yes --key /keys/ci.key ${REPO}:rc`);
    expect(tlog.code).toBe(1);
    expect(tlog.stderr).toContain('this lab has no Rekor: add --tlog-upload=false');
    const signed = await sh(`cosign sign --yes --key /keys/ci.key --tlog-upload=false ${REPO}:rc`);
    expect(signed).toMatchObject({ code: 0, stderr: `Pushing signature to: ${REPO}\n` });
    const ok = await sh(`cosign verify --key /keys/ci.pub --insecure-ignore-tlog=true ${REPO}:rc`);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)[0].critical.image['docker-manifest-digest']).toBe(D2);
  });

  it('refuses a public key, an encrypted cosign key and a predicate that is not a JSON object', async () => {
    const sh = await signer();
    const pub = await sh(
      `cosign attest --key /keys/ci.pub --type vuln --predicate /keys/ci.pub --tlog-upload=false ${REPO}:2.0`,
    );
    expect(pub.stderr).toContain('reading key: PEM decoding failed');
    const encrypted = await sh(`cosign sign --key /keys/enc.key --tlog-upload=false ${REPO}:2.0`);
    expect(encrypted.stderr).toContain('not encrypted cosign keys');
    const notJson = await sh(
      `echo '[1]' > /tmp/p.json; cosign attest --key /keys/ci.key --type vuln --predicate /tmp/p.json --tlog-upload=false ${REPO}:2.0`,
    );
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('unmarshaling predicate');
  });

  it('keeps at most 16 attestations per image; --replace keeps one per predicate type, and clean removes them', async () => {
    const sh = await signer();
    await sh(`trivy image --format cosign-vuln --output /tmp/vuln.json ${REPO}:2.0`);
    const attest = (extra: string) =>
      `cosign attest ${extra} --key /keys/ci.key --type vuln --predicate /tmp/vuln.json --tlog-upload=false ${REPO}:2.0`;
    await sh(`for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do ${attest('')}; done`);
    const count = () => {
      const pulled = cluster.registry.pull(`${REPO}:2.0`);
      return pulled.ok ? pulled.image.attestations.length : -1;
    };
    expect(count()).toBe(16);
    await sh(attest('--replace'));
    expect(count()).toBe(1);
    const asked = await sh(`cosign clean --type attestation ${REPO}:2.0`);
    expect(asked.stderr).toContain('user declined the prompt');
    expect(count()).toBe(1);
    expect(await sh(`cosign clean --type attestation --force ${REPO}:2.0`)).toMatchObject({ code: 0 });
    expect(count()).toBe(0);
  });
});
