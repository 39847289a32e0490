import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionScenario } from '@paranoid/catalog/apply.ts';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { simKubeconfig } from '@paranoid/providers/sim-provider.ts';
import { createSimHost, type SimHost } from '@paranoid/sim-server/host.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from './check.ts';

/**
 * `paranoid check` against a live simulated API server: setup applied through the
 * API, graded through the API. Probes that need running pods may not run on a
 * bare simulated cluster; object checks on templates always do.
 */
const root = fileURLToPath(new URL('../../../../scenarios', import.meta.url));
let host: SimHost;
let dir: string;
let kubeconfig: string;

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    sink: { stdout: (s: string) => (out.stdout += s), stderr: (s: string) => (out.stderr += s) },
  };
}

beforeAll(async () => {
  host = await createSimHost({ host: '127.0.0.1', port: 0 });
  const cluster = host.addCluster();
  const yaml = simKubeconfig('check-test', {
    id: cluster.id,
    server: cluster.server,
    token: cluster.token,
    certificateAuthority: host.caCertificate,
  });
  dir = mkdtempSync(join(tmpdir(), 'paranoid-check-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, yaml);
  const loaded = lintAll(root, ['exposed-dashboard']).scenarios[0]!.loaded!;
  await provisionScenario(new KubeClient(yaml), loaded.setup, { settleTimeoutMs: 0 });
}, 30_000);

afterAll(async () => {
  await host?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('paranoid check', () => {
  it('exits 1 and prints the documented JSON when a MUST check fails', async () => {
    const { out, sink } = capture();
    const code = await check('exposed-dashboard', { kubeconfig, json: true }, sink);
    expect(code).toBe(1);
    const body = JSON.parse(out.stdout) as { scenario: string; passed: boolean; checks: Record<string, unknown>[] };
    expect(body.scenario).toBe('exposed-dashboard');
    expect(body.passed).toBe(false);
    expect(Object.keys(body.checks[0]!).sort()).toEqual(['id', 'level', 'message', 'passed']);
    const skip = body.checks.find((c) => c.id === 'no-anonymous-login')!;
    expect(skip.passed).toBe(false);
    expect(skip.message).toContain(
      'Deployment kubernetes-dashboard/kubernetes-dashboard runs the dashboard with skip-login on',
    );
    expect(body.checks.find((c) => c.id === 'builtin-roles-intact')).toBeDefined();
  }, 30_000);

  it('prints a readable report without --json', async () => {
    const { out, sink } = capture();
    expect(await check('exposed-dashboard', { kubeconfig }, sink)).toBe(1);
    expect(out.stdout).toMatch(
      /^exposed-dashboard: The dashboard anyone could open\nFAILED: \d+ of \d+ MUST checks fail/,
    );
  }, 30_000);

  it('exits 2 when the cluster cannot be reached', async () => {
    const dead = join(dir, 'dead');
    writeFileSync(
      dead,
      'apiVersion: v1\nkind: Config\nclusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: x, context: {cluster: x, user: u}}]\ncurrent-context: x\nusers: [{name: u, user: {token: t}}]\n',
    );
    const { out, sink } = capture();
    expect(await check('exposed-dashboard', { kubeconfig: dead }, sink)).toBe(2);
    expect(out.stderr).toContain('failed to reach the cluster at https://127.0.0.1:1/');
  });

  it('exits 2 for an unknown scenario', async () => {
    const { out, sink } = capture();
    expect(await check('no-such-scenario', { kubeconfig }, sink)).toBe(2);
    expect(out.stderr).toContain('no scenario "no-such-scenario"');
  });
});
