/**
 * The real kubectl (v1.32) against a simulated cluster wired with this schema engine: explain reads our
 * OpenAPI v3, validation is left to the server (no client-side fallback), client-side apply's strategic merge
 * patches and server-side apply's conflicts come back as a real apiserver's do. Node-only test: it starts the
 * HTTPS adapter and spawns kubectl.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { SCHEMA_ENGINE } from '@paranoid/sim/openapi/schema-engine.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KUBECTL = '/usr/bin/kubectl';
let host: SimHost;
let dir: string;

function kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      [`--cache-dir=${join(dir, 'cache')}`, ...args],
      { env: { PATH: '/usr/bin:/bin', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ stdout: String(stdout), stderr: String(stderr), code: error ? Number(error.code ?? 1) : 0 }),
    );
    child.stdin?.end(input ?? '');
  });
}

const deployment = (replicas: number, image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "${image}", ports: [{containerPort: 80}], env: [{name: A, value: "1"}]}
`;

describe.skipIf(!existsSync(KUBECTL))('kubectl against the schema engine', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paranoid-schema-'));
    host = await createSimHost({ host: '127.0.0.1', port: 0 });
    const cluster = host.addCluster({ schema: SCHEMA_ENGINE });
    writeFileSync(
      join(dir, 'kubeconfig'),
      kubeconfigYaml({ server: cluster.server, token: cluster.token, certificateAuthority: host.caCertificate }),
    );
    await kubectl(['create', 'namespace', 'default']);
  }, 60_000);

  afterAll(async () => {
    await host?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('explains a field from the served OpenAPI v3', async () => {
    const { stdout, code } = await kubectl(['explain', 'pod.spec.containers']);
    expect(code).toBe(0);
    expect(stdout).toContain('KIND:       Pod\nVERSION:    v1\n\nFIELD: containers <[]Container>');
    expect(stdout).toContain('  name\t<string> -required-\n');
    expect(stdout).toContain('  imagePullPolicy\t<string>\n  enum: Always, IfNotPresent, Never\n');
  }, 30_000);

  it('explains recursively with upstream type names', async () => {
    const { stdout, code } = await kubectl(['explain', 'deployment.spec', '--recursive']);
    expect(code).toBe(0);
    expect(stdout).toContain('GROUP:      apps\nKIND:       Deployment\nVERSION:    v1');
    expect(stdout).toContain('  selector\t<LabelSelector> -required-\n');
    expect(stdout).toContain('      maxSurge\t<IntOrString>\n');
    expect(stdout).toContain('          limits\t<map[string]Quantity>\n');
  }, 30_000);

  it('leaves validation to the server, which rejects unknown fields strictly', async () => {
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx, imagePullPolice: Always}\n';
    const { stderr, code } = await kubectl(['create', '-f', '-'], pod);
    expect(code).not.toBe(0);
    expect(stderr).toContain('Error from server (BadRequest)');
    expect(stderr).toContain('unknown field "spec.containers[0].imagePullPolice"');
    const ssa = await kubectl(['apply', '--server-side', '-f', '-'], pod);
    expect(ssa.stderr).toContain(
      'failed to create typed patch object (default/p; /v1, Kind=Pod): .spec.containers[name="c"].imagePullPolice: field not declared in schema',
    );
  }, 30_000);

  it('applies client-side twice through a strategic merge patch', async () => {
    expect((await kubectl(['apply', '-f', '-'], deployment(2, 'nginx:1.27'))).stdout).toContain(
      'deployment.apps/web created',
    );
    const second = await kubectl(['apply', '-f', '-'], deployment(3, 'nginx:1.28'));
    expect(second.stdout).toContain('deployment.apps/web configured');
    const got = await kubectl([
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].imagePullPolicy}',
    ]);
    expect(got.stdout).toBe('3 nginx:1.28 IfNotPresent');
  }, 30_000);

  it('answers a server-side apply conflict with the apiserver message', async () => {
    const { stderr, code } = await kubectl(['apply', '--server-side', '-f', '-'], deployment(5, 'nginx:1.28'));
    expect(code).not.toBe(0);
    expect(stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    const forced = await kubectl(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      deployment(5, 'nginx:1.28'),
    );
    expect(forced.stdout).toContain('deployment.apps/web serverside-applied');
  }, 30_000);

  it('patches with strategic, merge and JSON patches', async () => {
    await kubectl([
      'patch',
      'deployment',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}',
    ]);
    await kubectl(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"tier":"front"}}}']);
    await kubectl([
      'patch',
      'deployment',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":1}]',
    ]);
    const got = await kubectl([
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[*].name} {.metadata.labels.tier} {.spec.replicas}',
    ]);
    expect(got.stdout).toBe('nginx sidecar front 1');
    const bad = await kubectl([
      'patch',
      'deployment',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":7}]',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The request is invalid: testing value /spec/replicas failed: test failed');
  }, 60_000);
});
