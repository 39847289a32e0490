import type { ExecRequest, ExecSession } from '@paranoid/sim/runtime/exec-types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
const encoder = new TextEncoder();

/** A stand-in runtime: `echo`, `fail <code>`, and `cat` (echoes stdin until it closes). */
function fakeExec(request: ExecRequest): ExecSession {
  const out: ((d: Uint8Array) => void)[] = [];
  const err: ((d: Uint8Array) => void)[] = [];
  const exit: ((c: number) => void)[] = [];
  const [cmd, ...args] = request.command;
  const finish = (code: number) =>
    setTimeout(
      () =>
        exit.forEach((l) => {
          l(code);
        }),
      5,
    );
  setTimeout(() => {
    if (cmd === 'echo') {
      for (const l of out) l(encoder.encode(`${args.join(' ')}\n`));
      finish(0);
    } else if (cmd === 'fail') {
      for (const l of err) l(encoder.encode('failing\n'));
      finish(Number(args[0] ?? 1));
    } else if (cmd !== 'cat') {
      for (const l of err) l(encoder.encode(`sh: ${cmd}: not found\n`));
      finish(127);
    }
  }, 5);
  return {
    writeStdin: (d) => {
      for (const l of out) l(d);
    },
    closeStdin: () => finish(0),
    resize: () => {},
    kill: () => {},
    onStdout: (l) => out.push(l),
    onStderr: (l) => err.push(l),
    onExit: (l) => exit.push(l),
  };
}

beforeAll(async () => {
  sim = await startSim({
    cluster: {
      // Admins do anything; "viewer" may read pods but not exec into them.
      authorizer: (attrs) => ({
        allowed:
          attrs.user.groups.includes('system:masters') ||
          !attrs.resourceRequest ||
          (attrs.user.username === 'viewer' &&
            attrs.resource === 'pods' &&
            attrs.subresource === '' &&
            attrs.verb === 'get'),
        reason: '',
      }),
      exec: fakeExec,
      logs: (args) =>
        args.follow
          ? {
              start(write, end) {
                let n = 0;
                const timer = setInterval(() => {
                  write(`tick ${++n}\n`);
                  if (n === 3) {
                    clearInterval(timer);
                    end();
                  }
                }, 20);
                return () => clearInterval(timer);
              },
            }
          : `log line of ${args.pod}/${args.container}\n`,
      metrics: {
        nodes: () => [],
        pods: (ns) => [
          {
            apiVersion: 'metrics.k8s.io/v1beta1',
            kind: 'PodMetrics',
            metadata: { name: 'web', namespace: ns ?? 'default' },
            timestamp: new Date().toISOString(),
            window: '10s',
            containers: [{ name: 'c', usage: { cpu: '5m', memory: '20Mi' } }],
          },
        ],
      },
    },
  });
  seedNamespaces(sim, 'default');
  const { cluster, token } = sim.cluster;
  cluster.callApi(token, 'POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: {
      nodeName: 'node-1',
      containers: [
        { name: 'c', image: 'nginx' },
        { name: 'side', image: 'busybox' },
      ],
    },
  });
  const pod = cluster.callApi(token, 'GET', '/api/v1/namespaces/default/pods/web').body as Record<string, unknown>;
  pod.status = {
    phase: 'Running',
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }],
  };
  const r = cluster.callApi(token, 'PUT', '/api/v1/namespaces/default/pods/web/status', pod);
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
});
afterAll(() => sim?.close());

describe('kubectl exec over WebSocket (v5.channel.k8s.io)', () => {
  it('runs a command and prints its output', async () => {
    const r = await sim.kubectl(['exec', 'web', '-c', 'c', '--', 'echo', 'hello', 'world']);
    expect(r).toMatchObject({ code: 0, stdout: 'hello world\n' });
  });

  it('exits with the command exit code and shows stderr', async () => {
    const r = await sim.kubectl(['exec', 'web', '-c', 'c', '--', 'fail', '3']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('failing');
    expect(r.stderr).toContain('command terminated with exit code 3');
  });

  it('pipes stdin with -i and closes it', async () => {
    const r = await sim.kubectl(['exec', '-i', 'web', '-c', 'c', '--', 'cat'], { input: 'piped input\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'piped input\n' });
  });

  it('forbids exec to a user who may only read the pod', async () => {
    const r = await sim.kubectl(['exec', 'web', '-c', 'c', '--as=viewer', '--', 'echo', 'hi']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'pods "web" is forbidden: User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "default"',
    );
  });

  it('refuses an unknown container with the apiserver message', async () => {
    const r = await sim.kubectl(['exec', 'web', '-c', 'nope', '--', 'echo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod web');
  });
});

describe('kubectl logs and top', () => {
  it('prints logs of the chosen container', async () => {
    expect((await sim.kubectl(['logs', 'web', '-c', 'side'])).stdout).toBe('log line of web/side\n');
  });

  it('streams logs with -f until the container ends', async () => {
    const r = await sim.kubectl(['logs', '-f', 'web', '-c', 'c']);
    expect(r).toMatchObject({ code: 0, stdout: 'tick 1\ntick 2\ntick 3\n' });
  });

  it('asks which container when a pod has several', async () => {
    const r = await sim.kubectl(['logs', 'web']);
    expect(r.stderr).toContain('Defaulted container "c" out of: c, side');
  });

  it('prints pod metrics with kubectl top', async () => {
    const r = await sim.kubectl(['top', 'pod']);
    expect(r.stdout).toMatch(/NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nweb\s+5m\s+20Mi/);
  });
});
