import { connect, createServer, type Socket } from 'node:net';

/** One entry point in front of several runners, as a Service or an Ingress without affinity is. */
export interface RoundRobinProxy {
  url: string;
  port: number;
  /** How many connections each backend was given, by its `host:port`. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * A TCP proxy that gives each new connection to the next backend in turn, skipping one
 * that refuses (as a Service drops an endpoint that is gone). It knows nothing of sessions:
 * whatever lands on the wrong runner is that runner's to forward.
 */
export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  let next = 0;
  const counts: Record<string, number> = Object.fromEntries(backends.map((b) => [b, 0]));
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.pause();
    const attempt = (tries: number) => {
      if (tries >= backends.length) {
        client.destroy();
        return;
      }
      const backend = backends[next++ % backends.length]!;
      const [host, port] = [
        backend.slice(0, backend.lastIndexOf(':')),
        Number(backend.slice(backend.lastIndexOf(':') + 1)),
      ];
      const upstream = connect({ host, port });
      open.add(upstream);
      upstream.on('close', () => open.delete(upstream));
      let connected = false;
      upstream.on('error', () => {
        if (connected) client.destroy();
        else {
          upstream.destroy();
          attempt(tries + 1);
        }
      });
      upstream.once('connect', () => {
        connected = true;
        counts[backend] = (counts[backend] ?? 0) + 1;
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
