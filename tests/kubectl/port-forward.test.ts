/**
 * `kubectl port-forward` against the simulator (#11): the real kubectl v1.32 forwards a local
 * port to a pod's port, over SPDY/3.1 tunnelled in a WebSocket (its default) and over a plain
 * SPDY upgrade (its fallback), into the simulated pod's process: HTTP from nginx, RESP from redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

let sim: StartedSim;
const forwards: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startSim({ full: true });
  const manifest = (name: string, image: string, port: number) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: name } },
      spec: { containers: [{ name, image, ports: [{ containerPort: port }] }] },
    });
  for (const [name, image, port] of [
    ['web', 'nginx:1.27', 80],
    ['cache', 'redis:7', 6379],
  ] as const) {
    const created = await sim.kubectl(['apply', '-f', '-'], { input: manifest(name, image, port) });
    expect(created.stderr).toBe('');
  }
  const ready = await sim.kubectl(['wait', '--for=condition=Ready', 'pod/web', 'pod/cache', '--timeout=60s'], {
    timeoutMs: 70_000,
  });
  expect(ready.stdout).toContain('condition met');
}, 90_000);

afterEach(() => {
  for (const child of forwards.splice(0)) child.kill();
});

afterAll(async () => {
  await sim?.close();
});

/** Starts `kubectl port-forward` and resolves with what it printed once it forwards. */
async function forward(args: string[], env: Record<string, string> = {}): Promise<{ output: () => string }> {
  const child = spawn(KUBECTL, [`--cache-dir=${join(sim.dir, 'cache')}`, 'port-forward', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin', HOME: sim.dir, KUBECONFIG: sim.kubeconfigPath, ...env },
  });
  forwards.push(child);
  let text = '';
  child.stdout.on('data', (d: Buffer) => {
    text += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const until = Date.now() + 20_000;
  while (!/Forwarding from 127\.0\.0\.1/.test(text)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`port-forward did not start: ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { output: () => text };
}

/** Sends bytes to a local port and collects what comes back until it closes or `ms` pass. */
function talk(port: number, send: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (d) => {
      got += d.toString();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', () => undefined);
    socket.write(send);
  });
}

describe('kubectl port-forward', () => {
  it('forwards a local port to nginx in the pod (WebSocket tunnel, kubectl v1.32 default)', async () => {
    await forward(['pod/web', '18080:80']);
    const res = await fetch('http://127.0.0.1:18080/');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/nginx/i);
    // Several requests, several connections: each is its own pair of streams.
    const again = await Promise.all([1, 2, 3].map(() => fetch('http://127.0.0.1:18080/').then((r) => r.status)));
    expect(again).toEqual([200, 200, 200]);
  });

  it('speaks RESP to redis through the forward, on one connection, in order', async () => {
    await forward(['pod/cache', '16379:6379']);
    const out = await talk(16379, 'SET k v\r\nGET k\r\nQUIT\r\n');
    expect(out).toBe('+OK\r\n$1\r\nv\r\n+OK\r\n');
  });

  it('forwards over a plain SPDY upgrade too (the fallback)', async () => {
    await forward(['pod/web', '18082:80'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    const res = await fetch('http://127.0.0.1:18082/');
    expect(res.status).toBe(200);
  });

  it('says which port is closed in the pod, and keeps forwarding', async () => {
    const session = await forward(['pod/web', '18081:81']);
    const out = await talk(18081, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(out).toBe('');
    const until = Date.now() + 10_000;
    while (!/error forwarding port 81 to pod web/.test(session.output()) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    expect(session.output()).toMatch(/an error occurred forwarding 18081 -> 81: error forwarding port 81 to pod web/);
  });

  it('holds at most 32 forwarded connections at once, says so for the next, and keeps forwarding', async () => {
    const session = await forward(['pod/cache', '16380:6379']);
    const held = Array.from({ length: 34 }, () => connect(16380, '127.0.0.1'));
    for (const socket of held) socket.on('error', () => undefined);
    const answers = await Promise.all(
      held.map(
        (socket) =>
          new Promise<string>((resolve) => {
            let got = '';
            socket.on('data', (d) => {
              got += d.toString();
              if (got.endsWith('\r\n')) resolve(got);
            });
            socket.on('close', () => resolve(got));
            setTimeout(() => resolve(got), 5000);
            socket.write('PING\r\n');
          }),
      ),
    );
    expect(answers.filter((a) => a === '+PONG\r\n').length).toBe(32);
    expect(session.output()).toMatch(/error creating (error|forwarding) stream for port 16380 -> 6379/);
    for (const socket of held) socket.destroy();
    await new Promise((r) => setTimeout(r, 500));
    expect(await talk(16380, 'PING\r\nQUIT\r\n')).toBe('+PONG\r\n+OK\r\n');
  });

  it('refuses a pod that does not exist', async () => {
    const res = await sim.kubectl(['port-forward', 'pod/nope', '18083:80'], { timeoutMs: 20_000 });
    expect(res.stderr).toMatch(/pods "nope" not found/);
  });
});
