import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardHttp } from './replica-forward.ts';

const servers: (Server | NetServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

const listen = <S extends Server | NetServer>(server: S) =>
  new Promise<number>((resolve) => {
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

/**
 * The other replica, at the byte level: it answers the first request of each connection and
 * keeps the connection, then closes it without a word when a second request arrives on it,
 * as a server whose keep-alive timeout ran out just as that request was sent.
 */
async function replicaClosingKeptConnections() {
  const connections: Socket[] = [];
  let answered = 0;
  const port = await listen(
    createNetServer((socket) => {
      connections.push(socket);
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.toString('latin1').includes('\r\n\r\n')) return;
        if (++requests > 1) {
          socket.destroy();
          return;
        }
        answered++;
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok',
        );
      });
    }),
  );
  return { address: `127.0.0.1:${port}`, connections, answered: () => answered };
}

/** A replica's front: every request is forwarded, as the router does for a session held elsewhere. */
async function front(address: string) {
  const outcomes: string[] = [];
  const port = await listen(
    createHttpServer(async (req, res) => {
      const outcome = await forwardHttp(req, res, address, {}, Buffer.from('{}'));
      outcomes.push(outcome);
      if (outcome === 'unreachable') {
        res.writeHead(404);
        res.end('lost');
      }
    }),
  );
  const call = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', path: '/api/sessions/x/apply', agent: false },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  return { call, outcomes };
}

describe('forwarding a request to the replica that holds its session', () => {
  it('sends it again on a new connection when a kept-alive one was closed as it went out, instead of calling the session lost', async () => {
    const replica = await replicaClosingKeptConnections();
    const { call, outcomes } = await front(replica.address);
    expect(await call()).toEqual({ status: 200, body: 'ok' });
    // The second goes out on the kept connection, which the replica closes: retried on a new one.
    expect(await call()).toEqual({ status: 200, body: 'ok' });
    expect(outcomes).toEqual(['forwarded', 'forwarded']);
    expect(replica.answered()).toBe(2);
    expect(replica.connections.length).toBe(2);
  });

  it('calls a replica that refuses connections unreachable', async () => {
    const closed = createNetServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    servers.splice(servers.indexOf(closed), 1);
    const { call, outcomes } = await front(`127.0.0.1:${port}`);
    expect((await call()).status).toBe(404);
    expect(outcomes).toEqual(['unreachable']);
  });
});
