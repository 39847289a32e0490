import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSimHost, type HostedCluster, type SimHost } from './host.ts';

let host: SimHost;
let a: HostedCluster;
let b: HostedCluster;

function call(
  method: string,
  url: string,
  opts: { token?: string; body?: string | Buffer; type?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: host.caCertificate,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.type ? { 'content-type': opts.type } : {}),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (e) =>
      String(e).includes('EPIPE') || String(e).includes('ECONNRESET') ? resolve({ status: 413, body: '' }) : reject(e),
    );
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

beforeAll(async () => {
  host = await createSimHost({ port: 0 });
  a = host.addCluster({
    exec: (req) => {
      const out: ((d: Uint8Array) => void)[] = [];
      const exit: ((c: number) => void)[] = [];
      setTimeout(() => {
        for (const l of out) l(new TextEncoder().encode(`ran ${req.command.join(' ')}\n`));
        for (const l of exit) l(2);
      }, 5);
      return {
        writeStdin: () => {},
        closeStdin: () => {},
        resize: () => {},
        kill: () => {},
        onStdout: (l) => out.push(l),
        onStderr: () => {},
        onExit: (l) => exit.push(l),
      };
    },
    internet: (r) => ({ ok: true, status: 200, headers: {}, body: `reached ${r.host}:${r.port}${r.path}` }),
  });
  b = host.addCluster();
  a.cluster.callApi(a.token, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'default' },
  });
});
afterAll(() => host?.close());

describe('the simulator host', () => {
  it('serves each cluster under its own prefix with its own tokens', async () => {
    expect((await call('GET', `${a.server}/api/v1/namespaces`, { token: a.token })).status).toBe(200);
    const cross = await call('GET', `${b.server}/api/v1/namespaces`, { token: a.token });
    expect(cross.status).toBe(401);
    expect(JSON.parse(cross.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await call('GET', `${host.url}/clusters/nope/version`)).status).toBe(404);
  });

  it('starts a cluster from a snapshot, with its own token and its own objects', async () => {
    const clone = host.addCluster({ from: a.cluster.snapshot() });
    try {
      expect(clone.token).not.toBe(a.token);
      const ns = await call('GET', `${clone.server}/api/v1/namespaces/default`, { token: clone.token });
      expect(ns.status).toBe(200);
      expect(JSON.parse(ns.body).metadata.uid).toBe(
        a.cluster.store.get({ group: '', resource: 'namespaces' }, undefined, 'default')?.metadata.uid,
      );
      expect((await call('GET', `${host.url}/api/v1/namespaces`, { token: clone.token })).status).toBe(200);
      clone.cluster.callApi(clone.token, 'POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'only-in-clone' },
      });
      expect((await call('GET', `${a.server}/api/v1/namespaces/only-in-clone`, { token: a.token })).status).toBe(404);
    } finally {
      host.removeCluster(clone.id);
    }
  });

  it('routes an unprefixed request to the cluster its token belongs to', async () => {
    expect(await call('GET', `${host.url}/healthz`, { token: b.token })).toEqual({ status: 200, body: 'ok' });
  });

  it('refuses a body over 3 MiB with 413', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 10, 'a');
    const r = await call('POST', `${a.server}/api/v1/namespaces/default/configmaps`, {
      token: a.token,
      body: big,
      type: 'application/json',
    });
    expect(r.status).toBe(413);
  });

  it('answers malformed and deeply nested JSON and malformed YAML with 400 BadRequest', async () => {
    const url = `${a.server}/api/v1/namespaces/default/configmaps`;
    const malformed = await call('POST', url, { token: a.token, body: '{"kind": ', type: 'application/json' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).reason).toBe('BadRequest');
    const deep = await call('POST', url, {
      token: a.token,
      body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
      type: 'application/json',
    });
    expect(deep.status).toBe(400);
    const yaml = await call('PATCH', `${url}/x?fieldManager=t`, {
      token: a.token,
      body: 'a: [b',
      type: 'application/apply-patch+yaml',
    });
    expect(yaml.status).toBe(400);
    expect((await call('GET', `${a.server}/healthz`, { token: a.token })).body).toBe('ok');
  });

  it('answers unsupported media types with 415 and unacceptable ones with 406', async () => {
    const url = `${a.server}/api/v1/namespaces/default/configmaps`;
    expect((await call('POST', url, { token: a.token, body: '<x/>', type: 'application/xml' })).status).toBe(415);
  });

  it('answers an Accept it cannot serve with 406', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${a.server}/api/v1/namespaces`,
        {
          ca: host.caCertificate,
          headers: { authorization: `Bearer ${a.token}`, accept: 'application/xml' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(r).toBe(406);
  });

  it('speaks v4.channel.k8s.io to clients that offer only it, ending with the exit status on channel 3', async () => {
    a.cluster.callApi(a.token, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    const url = `${a.server.replace('https', 'wss')}/api/v1/namespaces/default/pods/p/exec?command=ls&command=-l&stdout=true`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], {
      ca: host.caCertificate,
      headers: { authorization: `Bearer ${a.token}` },
    });
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
    await new Promise((r) => ws.on('close', r));
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    expect(frames[0]![0]).toBe(1);
    expect(frames[0]!.subarray(1).toString()).toBe('ran ls -l\n');
    const status = JSON.parse(frames.at(-1)!.subarray(1).toString());
    expect(frames.at(-1)![0]).toBe(3);
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
  });

  it('serves the internet probe to the admin only', async () => {
    const body = JSON.stringify({ host: '203.0.113.5', port: 30080, path: '/' });
    const ok = await call('POST', `${a.server}/paranoid/v1/internet`, {
      token: a.token,
      body,
      type: 'application/json',
    });
    expect(JSON.parse(ok.body)).toEqual({ ok: true, status: 200, headers: {}, body: 'reached 203.0.113.5:30080/' });
    const token = a.cluster.issueServiceAccountToken;
    expect(token).toBeTypeOf('function');
    a.cluster.addToken('learner', { username: 'learner', groups: ['system:authenticated'] });
    const denied = await call('POST', `${a.server}/paranoid/v1/internet`, {
      token: 'learner',
      body,
      type: 'application/json',
    });
    expect(denied.status).toBe(403);
  });

  it('forgets a removed cluster', async () => {
    const c = host.addCluster();
    host.removeCluster(c.id);
    expect((await call('GET', `${c.server}/version`, { token: c.token })).status).toBe(404);
  });
});
