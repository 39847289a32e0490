/**
 * The whole simulated cluster (runner/sim/src/assemble.ts) through the HTTPS
 * host, driven by the real kubectl v1.32 as a learner would drive a fresh kind
 * cluster. Wall clock, so the controllers and kubelet run in real time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubectlResult, type StartedSim, scratchFile, startSim } from '../support/sim.ts';

let sim: StartedSim;

beforeAll(async () => {
  sim = await startSim({ full: true });
});
afterAll(async () => {
  await sim?.close();
});

/** Runs kubectl and fails the test with its stderr when it does not succeed. */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await sim.kubectl(args, input === undefined ? {} : { input });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Polls kubectl until `done` holds (bounded). */
async function until(args: string[], done: (r: KubectlResult) => boolean, timeoutMs = 30_000): Promise<KubectlResult> {
  const end = Date.now() + timeoutMs;
  let last = await sim.kubectl(args);
  while (!done(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 300));
    last = await sim.kubectl(args);
  }
  return last;
}

describe('a fresh simulated cluster, through kubectl', () => {
  it('lists three Ready nodes', async () => {
    const out = await ok(['get', 'nodes']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['paranoid-control-plane', 'Ready', 'control-plane'],
      ['paranoid-worker', 'Ready', '<none>'],
      ['paranoid-worker2', 'Ready', '<none>'],
    ]);
    expect(out).toContain('v1.32.2');
  });

  it('runs every kube-system pod', async () => {
    const r = await until(['get', 'pods', '-n', 'kube-system', '--no-headers'], (x) => {
      const lines = x.stdout.trim().split('\n');
      return lines.length >= 12 && lines.every((l) => /\s1\/1\s+Running\s/.test(l));
    });
    const names = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    expect(names.filter((n) => n?.startsWith('coredns-'))).toHaveLength(2);
    expect(names).toContain('etcd-paranoid-control-plane');
    for (const l of r.stdout.trim().split('\n')) expect(l).toMatch(/\s1\/1\s+Running\s/);
    const all = await ok(['get', 'pods', '-A']);
    expect(all).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(all).toContain('local-path-storage');
  });
});

describe('workloads, through kubectl', () => {
  it('creates a deployment and rolls it out', async () => {
    expect(await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2'])).toBe(
      'deployment.apps/web created\n',
    );
    const rollout = await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(rollout).toContain('deployment "web" successfully rolled out');
  });

  it('shows pod IPs and nodes with -o wide', async () => {
    const out = await ok(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
    const rows = out.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatch(
        /^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+paranoid-worker2?\s/,
      );
    }
  });

  it('execs into a pod and runs id', async () => {
    const out = await ok(['exec', 'deploy/web', '--', 'id']);
    expect(out).toMatch(/^uid=0\(root\) gid=0\(root\)/);
  });

  it('pipes stdin into a shell in the pod and returns its exit code', async () => {
    const r = await sim.kubectl(['exec', '-i', 'deploy/web', '--', 'sh'], {
      input: 'echo hello from $(hostname)\ncat /etc/os-release | head -1 >/dev/null\nexit 3\n',
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^hello from web-[a-z0-9]+-[a-z0-9]{5}\n$/);
    expect(r.stderr).toBe('command terminated with exit code 3\n');
  });

  it('prints the container logs', async () => {
    const r = await sim.kubectl(['logs', 'deploy/web']);
    expect(r.code, r.stderr).toBe(0);
    // kubectl picks one pod of the Deployment and says which on stderr.
    expect(r.stderr).toMatch(/^Found 2 pods, using pod\/web-[a-z0-9]+-[a-z0-9]{5}\n$/);
    expect(r.stdout).toContain('nginx');
  });

  it('reports resource usage with top pod', async () => {
    const r = await until(['top', 'pod'], (x) => x.code === 0 && x.stdout.includes('web-'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('web-')),
    ).toHaveLength(2);
  });

  it('reports node usage with top node', async () => {
    const out = await ok(['top', 'node']);
    expect(out).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
    expect(out).toContain('paranoid-worker2');
  });

  it('gives a pod DNS, the API as its service account, and anonymous /version', async () => {
    await ok(['run', 'toolbox', '--image=nicolaka/netshoot', '--', 'sleep', 'infinity']);
    await ok(['wait', '--for=condition=Ready', 'pod/toolbox', '--timeout=60s']);
    const dns = await ok(['exec', 'toolbox', '--', 'nslookup', 'kubernetes.default']);
    expect(dns).toContain('Server:\t\t10.96.0.10');
    expect(dns).toMatch(/Name:\tkubernetes\.default\.svc\.cluster\.local\nAddress: 10\.96\.0\.1\n/);
    // Upstream netshoot has no kubectl: in-pod kubectl runs from Bitnami's image, as the default account.
    await ok(['run', 'kubectl', '--image=bitnami/kubectl:1.32', '--command', '--', 'sleep', 'infinity']);
    await ok(['wait', '--for=condition=Ready', 'pod/kubectl', '--timeout=60s']);
    const secrets = await sim.kubectl(['exec', 'kubectl', '--', 'kubectl', 'get', 'secrets']);
    expect(secrets.code).toBe(1);
    expect(secrets.stderr).toContain(
      'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    const version = await ok(['exec', 'toolbox', '--', 'curl', '-sk', 'https://kubernetes.default/version']);
    expect(JSON.parse(version)).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: expect.stringMatching(/^v1\.32\.\d+$/),
    });
    const anonymous = await ok([
      'exec',
      'toolbox',
      '--',
      'curl',
      '-sk',
      'https://kubernetes.default/api/v1/namespaces/default/pods',
    ]);
    expect(JSON.parse(anonymous)).toMatchObject({
      code: 403,
      message:
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
    });
  });

  it('lists what the admin may do with auth can-i --list', async () => {
    const out = await ok(['auth', 'can-i', '--list']);
    expect(out).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    expect(out).toMatch(/\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
    const sa = await sim.kubectl(['auth', 'can-i', 'create', 'pods', '--as=system:serviceaccount:default:default']);
    expect(sa).toMatchObject({ code: 1, stdout: 'no\n' });
  });

  it('applies a manifest and reports unchanged on the second apply', async () => {
    const file = scratchFile(
      sim,
      'app.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: settings',
        'data:',
        '  mode: strict',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: web',
        'spec:',
        '  selector:',
        '    app: web',
        '  ports:',
        '  - port: 80',
        '    targetPort: 80',
        '',
      ].join('\n'),
    );
    expect(await ok(['apply', '-f', file])).toBe('configmap/settings created\nservice/web created\n');
    expect(await ok(['apply', '-f', file])).toBe('configmap/settings unchanged\nservice/web unchanged\n');
    const ep = await until(['get', 'endpoints', 'web', '--no-headers'], (x) => /10\.244\.\d+\.\d+:80,/.test(x.stdout));
    expect(ep.stdout).toMatch(/^web\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s/);
  });

  it('deletes a namespace with everything in it', async () => {
    await ok(['create', 'namespace', 'scratch']);
    await ok(['-n', 'scratch', 'create', 'deployment', 'tmp', '--image=busybox', '--', 'sleep', '3600']);
    await ok(['-n', 'scratch', 'create', 'configmap', 'c', '--from-literal=a=b']);
    await ok(['-n', 'scratch', 'rollout', 'status', 'deployment/tmp', '--timeout=60s']);
    expect(await ok(['delete', 'namespace', 'scratch', '--timeout=60s'])).toBe('namespace "scratch" deleted\n');
    const gone = await sim.kubectl(['get', 'namespace', 'scratch']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Error from server (NotFound): namespaces "scratch" not found');
    const left = await sim.kubectl(['get', 'pods,deployments,replicasets,configmaps', '-n', 'scratch', '--no-headers']);
    expect(left.stdout).toBe('');
  });
});
