import { afterEach, describe, expect, it } from 'vitest';
import { createInternetStreams, MAX_INTERNET_STREAMS, parseRespCommand } from './internet-stream.ts';
import { createTestCluster } from './testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A redis pod behind a NodePort, as a learner publishing the ledger would leave it. */
async function publishedRedis(c: typeof cluster) {
  c.store.create(
    { group: '', resource: 'pods' },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } },
      spec: {
        nodeName: 'paranoid-worker2',
        containers: [{ name: 'redis', image: 'redis:7', ports: [{ containerPort: 6379 }] }],
      },
    },
  );
  c.createService('db', 'shop', '10.96.100.10', { app: 'db' }, [{ port: 6379, nodePort: 31379 }], 'NodePort');
  await c.settle(3000);
}

describe('TCP from outside the cluster as a byte stream', () => {
  it('speaks RESP to a NodePort, inline and multi-bulk, across chunk boundaries, in order', async () => {
    cluster = createTestCluster();
    await publishedRedis(cluster);
    const streams = createInternetStreams(cluster.deps);
    const opened = streams.open({ host: '172.18.0.3', port: 31379 });
    expect(opened).toMatchObject({ ok: true, tls: false });
    if (!opened.ok) return;
    expect(text(streams.send(opened.id, bytes('SET flag PARANOID{x}\r\n')).data)).toBe('+OK\r\n');
    // `redis-cli` sends arrays of bulk strings; a chunk may end anywhere.
    expect(text(streams.send(opened.id, bytes('*2\r\n$3\r\nGET\r\n$4\r\nfl')).data)).toBe('');
    const reply = streams.send(opened.id, bytes('ag\r\n*1\r\n$6\r\nDBSIZE\r\n'));
    expect(text(reply.data)).toBe('$11\r\nPARANOID{x}\r\n:1\r\n');
    const quit = streams.send(opened.id, bytes('QUIT\r\n'));
    expect(quit).toMatchObject({ end: true });
    expect(text(quit.data)).toBe('+OK\r\n');
    // A second connection sees the same store.
    const again = streams.open({ host: '172.18.0.2', port: 31379 });
    if (!again.ok) throw new Error(again.message);
    expect(text(streams.send(again.id, bytes('GET flag\n')).data)).toBe('$11\r\nPARANOID{x}\r\n');
  });

  it('refuses a port nothing serves, and ends a stream that sends a broken protocol', async () => {
    cluster = createTestCluster();
    await publishedRedis(cluster);
    const streams = createInternetStreams(cluster.deps);
    expect(streams.open({ host: '172.18.0.3', port: 31380 })).toMatchObject({
      ok: false,
      error: 'refused',
      message: 'connect 172.18.0.3:31380: connection refused',
    });
    const opened = streams.open({ host: '172.18.0.3', port: 31379 });
    if (!opened.ok) throw new Error(opened.message);
    const broken = streams.send(opened.id, bytes('*x\r\n'));
    expect(broken.end).toBe(true);
    expect(text(broken.data)).toContain('-ERR Protocol error');
    expect(streams.send(opened.id, bytes('PING\r\n'))).toMatchObject({ end: true, data: new Uint8Array(0) });
  });

  it('speaks HTTP/1.1 with keep-alive to an HTTP NodePort, and closes on Connection: close', async () => {
    cluster = createTestCluster();
    await cluster.createPod({
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    });
    cluster.createService('web', 'default', '10.96.0.80', { app: 'web' }, [{ port: 80, nodePort: 30080 }], 'NodePort');
    await cluster.settle(3000);
    const streams = createInternetStreams(cluster.deps);
    const opened = streams.open({ host: '172.18.0.2', port: 30080 });
    if (!opened.ok) throw new Error(opened.message);
    const first = streams.send(opened.id, bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const answers = text(first.data).split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const length = Number(/Content-Length: (\d+)/.exec(answers[0]!)?.[1]);
    expect(bytes(answers[0]!.split('\r\n\r\n')[1]!).length).toBe(length);
    expect(answers[1]).toMatch(/\r\n\r\n$/);
    expect(first.end).toBe(false);
    const last = streams.send(opened.id, bytes('GET / HTTP/1.1\r\nConnection: close\r\n\r\n'));
    expect(last.end).toBe(true);
    expect(text(last.data)).toContain('Connection: close');
  });

  it('lists the node addresses and the NodePorts that may answer, and bounds open streams', async () => {
    cluster = createTestCluster();
    await publishedRedis(cluster);
    const streams = createInternetStreams(cluster.deps);
    const listening = streams.listening();
    expect(listening.addresses).toEqual(['172.18.0.2', '172.18.0.3', '172.18.0.4']);
    expect(listening.ports).toContain(31379);
    expect(listening.ports).toContain(10250);
    for (let i = 0; i < MAX_INTERNET_STREAMS; i++)
      expect(streams.open({ host: '172.18.0.3', port: 31379 }).ok).toBe(true);
    expect(streams.open({ host: '172.18.0.3', port: 31379 })).toMatchObject({ ok: false, error: 'refused' });
  });
});

describe('parseRespCommand', () => {
  it('waits for a whole command and rejects impossible lengths', () => {
    expect(parseRespCommand(bytes('*1\r\n$4\r\nPI'))).toBe('incomplete');
    expect(parseRespCommand(bytes('*1\r\n$-5\r\n'))).toBe('invalid');
    expect(parseRespCommand(bytes('GET "a b" c\r\n'))).toEqual({ args: ['GET', 'a b', 'c'], used: 13 });
  });
});
