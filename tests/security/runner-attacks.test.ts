/**
 * A hostile learner against the real runner (`paranoid serve --provider sim`): each
 * attack must fail, and the runner must still serve a bystander's session afterwards.
 * What each did before this suite: see the notes on issue #12.
 */
import { randomBytes } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterOf,
  type LearnerSession,
  openTerminal,
  type StartedLab,
  startLab,
  startSession,
  stillServes,
} from './runner-lab.ts';

let started: StartedLab;
let base: string;
let bystander: LearnerSession;
let attacker: LearnerSession;

beforeAll(async () => {
  started = await startLab();
  base = started.base;
  bystander = await startSession(base, 'bystander000000000001');
  attacker = await startSession(base, 'attacker00000000000001');
}, 120_000);

afterAll(async () => {
  await started?.close();
});

/** Runs the attack while asking the runner's health: the main loop must answer meanwhile. */
async function whileAttacking<T>(attack: Promise<T>): Promise<T> {
  let done = false;
  const result = attack.finally(() => {
    done = true;
  });
  await new Promise((r) => setTimeout(r, 50));
  if (!done) {
    const health = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
  }
  return result;
}

describe('the terminal socket', () => {
  it('refuses the upgrade without a token, so a 70,000-byte frame has no socket to ride', async () => {
    const term = openTerminal(base, attacker.id, null);
    expect(await term.refused).toBe(401);
    expect(term.ws.readyState).not.toBe(term.ws.OPEN);
    const stranger = openTerminal(base, attacker.id, bystander.token);
    expect(await stranger.refused).toBe(404);
    await stillServes(base, bystander);
  });

  it('closes only the offending socket with 1009 when a frame is too large', async () => {
    const calm = openTerminal(base, bystander.id, bystander.token);
    const big = openTerminal(base, attacker.id, attacker.token);
    expect(await calm.opened).toBe(true);
    expect(await big.opened).toBe(true);
    big.ws.send('x'.repeat(70_000));
    expect(await big.closed).toBe(1009);
    calm.ws.send(JSON.stringify({ t: 'i', d: 'echo calm-$((20+22))\r' }));
    await calm.waitFor(/calm-42/);
    calm.ws.close();
    await stillServes(base, bystander);
  });

  it('survives fuzzed frames: random binary, random text, bytes that are not UTF-8', async () => {
    for (let round = 0; round < 20; round++) {
      const term = openTerminal(base, attacker.id, attacker.token);
      if (!(await term.opened)) continue;
      for (let i = 0; i < 10 && term.ws.readyState === term.ws.OPEN; i++) {
        const bytes = randomBytes(1 + Math.floor(Math.random() * 4096));
        const kind = (round + i) % 3;
        if (kind === 0) term.ws.send(bytes, { binary: true });
        else if (kind === 1) term.ws.send(bytes, { binary: false });
        else term.ws.send(JSON.stringify({ t: 'r', cols: -1e308, rows: 'x'.repeat(100) }));
      }
      term.ws.terminate();
    }
    // Raw garbage on the runner's port, where HTTP is expected.
    const garbage = connectTcp(Number(new URL(base).port), '127.0.0.1');
    garbage.on('error', () => undefined);
    await new Promise<void>((resolve) => garbage.once('connect', () => resolve()));
    garbage.write(randomBytes(64 * 1024));
    await new Promise<void>((resolve) => {
      garbage.once('close', () => resolve());
      setTimeout(() => {
        garbage.destroy();
        resolve();
      }, 3_000);
    });
    await stillServes(base, bystander);
  });
});

describe('the simulated API server', () => {
  it('refuses a ConfigMap with 120,000 labels without stalling anyone', async () => {
    const cluster = clusterOf(started.lab, attacker);
    const labels = Object.fromEntries(Array.from({ length: 120_000 }, (_, i) => [`label-${i}`, 'value']));
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'labels', labels } });
    const res = await whileAttacking(cluster.request('POST', '/api/v1/namespaces/default/configmaps', body));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge' });
    expect((await cluster.request('GET', '/api/v1/namespaces/default/configmaps/labels')).status).toBe(404);
    await stillServes(base, bystander);
  });

  it('refuses a 2.9 MiB ConfigMap as etcd does, and a 3.5 MiB body as the apiserver does', async () => {
    const cluster = clusterOf(started.lab, attacker);
    const big = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { blob: 'x'.repeat(Math.floor(2.9 * 1024 * 1024)) },
    });
    const res = await cluster.request('POST', '/api/v1/namespaces/default/configmaps', big);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).message).toBe('etcdserver: request is too large');
    const huge = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'huge' },
      data: { blob: 'x'.repeat(3.5 * 1024 * 1024) },
    });
    const over = await cluster.request('POST', '/api/v1/namespaces/default/configmaps', huge).catch(() => null);
    // The apiserver answers 413 and closes; the client may see either the answer or the closed socket.
    if (over) {
      expect(over.status).toBe(413);
      expect(JSON.parse(over.body).message).toBe('Request entity too large: limit is 3145728');
    }
    await stillServes(base, bystander);
  });

  it('refuses a 1 MiB annotation with the apiserver’s text', async () => {
    const cluster = clusterOf(started.lab, attacker);
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'annotated', annotations: { note: 'x'.repeat(1024 * 1024) } },
    });
    const res = await cluster.request('POST', '/api/v1/namespaces/default/configmaps', body);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body).message).toBe(
      'ConfigMap "annotated" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
    );
    await stillServes(base, bystander);
  });

  it('refuses a CEL policy nested too deep to compile at write, and stops a costly one at run', async () => {
    const cluster = clusterOf(started.lab, attacker);
    const policy = (name: string, expression: string) =>
      JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
            ],
          },
          validations: [{ expression }],
        },
      });
    const path = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
    const deep = await cluster.request('POST', path, policy('deep', `${'('.repeat(5000)}true${')'.repeat(5000)}`));
    expect(deep.status).toBe(422);
    expect(JSON.parse(deep.body).message).toContain('compilation failed');

    // Literal lists are bounded, so this one is stored; its 10^6 iterations are not allowed to run.
    const ones = `[${Array.from({ length: 1000 }, () => '1').join(',')}]`;
    expect(
      (await cluster.request('POST', path, policy('costly', `${ones}.all(a, ${ones}.all(b, a == b))`))).status,
    ).toBe(201);
    const binding = JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'costly' },
      spec: { policyName: 'costly', validationActions: ['Deny'] },
    });
    expect((await cluster.request('POST', `${path.replace('policies', 'policybindings')}`, binding)).status).toBe(201);
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'judged' } });
    const judged = await whileAttacking(cluster.request('POST', '/api/v1/namespaces/default/configmaps', cm));
    expect(judged.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(judged.body).message).toContain('operation cancelled: actual cost limit exceeded');
    expect((await cluster.request('DELETE', `${path.replace('policies', 'policybindings')}/costly`)).status).toBe(200);
    await stillServes(base, bystander);
  });

  it('drops watchers that never read, and caps watches per cluster', async () => {
    const cluster = clusterOf(started.lab, attacker);
    const url = new URL(cluster.server);
    const watchPath = `${url.pathname}/api/v1/namespaces/default/configmaps?watch=true`;
    /** A watch whose client never reads a byte. */
    const stalled = () =>
      new Promise<{ status: number; socket: import('node:tls').TLSSocket }>((resolve, reject) => {
        const socket = connectTls({ host: url.hostname, port: Number(url.port), ca: cluster.ca }, () => {
          socket.write(
            `GET ${watchPath} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${cluster.token}\r\n\r\n`,
          );
        });
        socket.on('error', () => undefined);
        socket.once('data', (chunk: Buffer) => {
          socket.pause();
          resolve({ status: Number(chunk.toString().split(' ')[1]), socket });
        });
        setTimeout(() => reject(new Error('the watch did not answer')), 20_000).unref();
      });
    const watches = await Promise.all(Array.from({ length: 30 }, stalled));
    expect(watches.every((w) => w.status === 200)).toBe(true);
    const extra = await Promise.all(Array.from({ length: 5 }, stalled));
    // 32 streams at most per cluster: the 33rd is answered as the apiserver's max-in-flight.
    expect(extra.filter((w) => w.status === 429).length).toBeGreaterThanOrEqual(3);
    // Megabytes of events the stalled watchers never read: each is dropped past its backlog bound.
    const blob = 'x'.repeat(1024 * 1024);
    const created = await cluster.request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn' }, data: { blob } }),
    );
    expect(created.status).toBe(201);
    for (let i = 0; i < 24; i++) {
      const patch = JSON.stringify({ data: { blob: `${i}${blob.slice(2)}` } });
      const patched = await cluster.request(
        'PATCH',
        '/api/v1/namespaces/default/configmaps/churn',
        patch,
        'application/merge-patch+json',
      );
      expect(patched.status).toBe(200);
    }
    // Dropped watchers free their slots: new watches are served again.
    let fresh = { status: 0 } as { status: number; socket?: import('node:tls').TLSSocket };
    for (let attempt = 0; attempt < 30 && fresh.status !== 200; attempt++) {
      fresh = await stalled();
      if (fresh.status !== 200) await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(fresh.status).toBe(200);
    for (const w of [...watches, ...extra, fresh]) w.socket?.destroy();
    await stillServes(base, bystander);
  });

  it('answers fuzzed bodies with Status errors and keeps serving', async () => {
    const cluster = clusterOf(started.lab, attacker);
    const types = [
      'application/json',
      'application/yaml',
      'application/vnd.kubernetes.protobuf',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
      'text/plain',
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      const type = types[i % types.length]!;
      const method = type.includes('patch') ? 'PATCH' : 'POST';
      const path =
        method === 'PATCH' ? '/api/v1/namespaces/default/configmaps/x' : '/api/v1/namespaces/default/configmaps';
      const res = await cluster.request(method, path, randomBytes(1 + Math.floor(Math.random() * 8192)), type);
      statuses.push(res.status);
      expect(() => JSON.parse(res.body)).not.toThrow();
    }
    expect(statuses.every((s) => s >= 400 && s < 600)).toBe(true);
    expect((await cluster.request('GET', '/api/v1/namespaces')).status).toBe(200);
    await stillServes(base, bystander);
  });
});

describe('the editor’s /apply', () => {
  it('answers a YAML alias bomb with InvalidYaml, not a 500', async () => {
    const bomb = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: bomb}',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    ].join('\n');
    const res = await fetch(`${base}/api/sessions/${attacker.id}/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${attacker.token}` },
      body: JSON.stringify({ yaml: bomb }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'InvalidYaml',
      message: expect.stringMatching(/alias/i),
    });
    await stillServes(base, bystander);
  });
});
