import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster } from '../../testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const REPO = 'registry.lab.local/shop/app';
const images: ImageDefinition[] = [
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: REPO,
    tags: ['old'],
    digest: `sha256:${'a'.repeat(64)}`,
    files: { '/etc/os-release': 'ID=debian\nVERSION_ID="7"\n', '/etc/debian_version': '7.8\n' },
    packages: [
      {
        name: 'bash',
        version: '4.2+dfsg-0.1',
        type: 'deb',
        vulnerabilities: [
          { id: 'CVE-2014-6271', severity: 'CRITICAL', fixedVersion: '4.2+dfsg-0.1+deb7u1', title: 'Shellshock' },
        ],
      },
      {
        name: 'openssl',
        version: '1.0.1e-2+deb7u4',
        type: 'deb',
        vulnerabilities: [
          { id: 'CVE-2014-0160', severity: 'HIGH', fixedVersion: '1.0.1e-2+deb7u5', title: 'Heartbleed' },
        ],
      },
      {
        name: 'coreutils',
        version: '8.13-3.5',
        type: 'deb',
        vulnerabilities: [{ id: 'CVE-2016-2781', severity: 'LOW', title: 'chroot escape' }],
      },
    ],
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'registry.lab.local/tools/scanner',
    tags: ['1'],
    digest: `sha256:${'c'.repeat(64)}`,
    binaries: ['sh', 'sleep', 'cat', 'trivy'],
  },
];

async function scanner() {
  cluster = createTestCluster({ images });
  await cluster.createPod({
    metadata: { name: 's' },
    spec: { containers: [{ name: 'c', image: 'registry.lab.local/tools/scanner:1', command: ['sleep', 'infinity'] }] },
  });
  return (script: string) => cluster.run({ pod: 's', command: ['sh', '-c', script] });
}

describe('trivy image, as a pipeline gate runs it', () => {
  it('exits with --exit-code only when a finding passes --severity and --ignore-unfixed', async () => {
    const sh = await scanner();
    const code = async (flags: string) =>
      (await sh(`trivy image ${flags} ${REPO}:old >/dev/null 2>&1; echo $?`)).stdout;
    expect(await code('')).toBe('0\n');
    expect(await code('--exit-code 1')).toBe('1\n');
    expect(await code('--exit-code 1 --severity HIGH,CRITICAL')).toBe('1\n');
    expect(await code('--exit-code 1 --severity MEDIUM')).toBe('0\n');
    // Only LOW is without a fix: ignoring unfixed findings leaves nothing at LOW.
    expect(await code('--exit-code 1 --severity LOW --ignore-unfixed')).toBe('0\n');
    expect(await code('--exit-code=3 --severity=critical')).toBe('3\n');
  });

  it("prints Trivy's table with the severities asked for, and refuses an unknown one", async () => {
    const sh = await scanner();
    const table = await sh(`trivy image --severity HIGH,CRITICAL ${REPO}:old`);
    expect(table.stdout).toContain(`${REPO}:old (debian 7.8)\n`);
    expect(table.stdout).toContain('Total: 2 (HIGH: 1, CRITICAL: 1)');
    expect(table.stdout).toMatch(
      /│ bash +│ CVE-2014-6271 │ CRITICAL │ fixed +│ 4\.2\+dfsg-0\.1 +│ 4\.2\+dfsg-0\.1\+deb7u1 │/,
    );
    expect(table.stdout).not.toContain('CVE-2016-2781');
    const bad = await sh(`trivy image --severity HIGH,SEVERE ${REPO}:old`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unable to parse severity: "SEVERE"');
    const exit = await sh(`trivy image --exit-code one ${REPO}:old`);
    expect(exit.stderr).toContain('invalid argument "one" for "--exit-code" flag');
    const format = await sh(`trivy image --format sarif ${REPO}:old`);
    expect(format.stderr).toContain('unknown format: sarif');
  });

  it('writes JSON and the cosign-vuln predicate to --output, and fails for an image that does not exist', async () => {
    const sh = await scanner();
    await sh(`trivy image --format json --output /tmp/r.json ${REPO}:old`);
    const report = JSON.parse((await sh('cat /tmp/r.json')).stdout);
    expect(report).toMatchObject({ SchemaVersion: 2, ArtifactName: `${REPO}:old`, ArtifactType: 'container_image' });
    expect(report.Results[0].Vulnerabilities.map((v: { VulnerabilityID: string }) => v.VulnerabilityID).sort()).toEqual(
      ['CVE-2014-0160', 'CVE-2014-6271', 'CVE-2016-2781'],
    );
    await sh(`trivy image --format cosign-vuln -o /tmp/v.json ${REPO}:old`);
    const predicate = JSON.parse((await sh('cat /tmp/v.json')).stdout);
    expect(predicate.scanner).toMatchObject({ uri: 'pkg:github/aquasecurity/trivy@v0.58.1', result: report });
    expect(predicate.metadata.scanStartedOn).toMatch(/^\d{4}-\d\d-\d\dT/);
    const missing = await sh(`trivy image ${REPO}:nope`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`unable to find the specified image "${REPO}:nope"`);
  });
});
