import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runKubectl } from '../support/sim.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'paranoid-cli-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function paranoid(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/src/main.ts', ...args], { cwd: ROOT });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('paranoid sim', () => {
  it('serves a kind-like cluster, writes a kubeconfig kubectl uses, and stops on Ctrl-C', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const run = paranoid(['sim', '--kubeconfig', kubeconfig]);
    await waitFor(() => /ready/.test(run.output()), 30_000);
    const cache = join(dir, 'cache');
    const r = await runKubectl(kubeconfig, cache, ['get', 'ns', '-o', 'name']);
    expect(r.stdout).toContain('namespace/default');
    expect(r.stdout).toContain('namespace/local-path-storage');
    const nodes = await runKubectl(kubeconfig, cache, ['get', 'nodes', '-o', 'name']);
    expect(nodes.stdout).toContain('node/paranoid-control-plane');
    let pods = '';
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      pods = (await runKubectl(kubeconfig, cache, ['get', 'pods', '-n', 'kube-system', '--no-headers'])).stdout;
      if (/coredns.*Running/.test(pods) && !/Pending|ContainerCreating/.test(pods)) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(pods).toMatch(/^coredns-\S+\s+1\/1\s+Running/m);
    expect(pods).toMatch(/^kube-apiserver-paranoid-control-plane\s+1\/1\s+Running/m);
    const can = await runKubectl(kubeconfig, cache, [
      'auth',
      'can-i',
      'list',
      'secrets',
      '--as',
      'system:serviceaccount:default:default',
    ]);
    expect(can).toMatchObject({ code: 1, stdout: 'no\n' });
    const ctx = await runKubectl(kubeconfig, cache, ['config', 'current-context']);
    expect(ctx.stdout.trim()).toBe('paranoid');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it("applies a scenario's setup with --scenario", async () => {
    const kubeconfig = join(dir, 'k-scenario');
    const run = paranoid(['sim', '--kubeconfig', kubeconfig, '--scenario', 'exposed-dashboard']);
    await waitFor(() => /ready|error/.test(run.output()), 60_000);
    expect(run.output()).toContain('(scenario exposed-dashboard)');
    const r = await runKubectl(kubeconfig, join(dir, 'cache-s'), [
      'get',
      'sa',
      '-n',
      'kubernetes-dashboard',
      '-o',
      'name',
    ]);
    expect(r.stdout).toContain('serviceaccount/kubernetes-dashboard');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('refuses a scenario it cannot load, naming it', async () => {
    const run = paranoid(['sim', '--kubeconfig', join(dir, 'k2'), '--scenario', 'no-such-scenario']);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('error: failed to load scenario no-such-scenario');
  });
});
