/**
 * The hostile learner's client for isolation.bench.ts, which types it into that learner's own
 * terminal: the load one sandbox can drive at its cluster within its limits. Eight writers whose
 * every write a CEL-heavy policy judges, two listers of every ConfigMap, and 30 watches that are
 * never read. It reads the terminal's kubeconfig and keeps its count of writes in WRITES_FILE.
 * Plain JavaScript, because the sandbox has the host's node and nothing of the repository.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';

const config = readFileSync(process.env.KUBECONFIG, 'utf8');
const field = (name) => new RegExp(`${name}:\\s*(\\S+)`).exec(config)?.[1] ?? '';
const server = new URL(field('server'));
const ca = Buffer.from(field('certificate-authority-data'), 'base64').toString();
const token = field('token');
const agent = new Agent({ keepAlive: true, maxSockets: 10, ca });

const call = (method, path, body) =>
  new Promise((resolve) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, server),
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(text);
  });

for (let i = 0; i < 30; i++) {
  const socket = connect({ host: server.hostname, port: Number(server.port), ca }, () => {
    socket.write(
      `GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: ${server.host}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    socket.pause();
  });
  socket.on('error', () => undefined);
}

let writes = 0;
setInterval(() => writeFileSync(process.env.WRITES_FILE, String(writes)), 1000);
for (let w = 0; w < 8; w++) {
  void (async () => {
    for (let i = 0; ; i++) {
      const name = `flood-${(w * 1000 + i) % 10_000}`;
      await call('PUT', `/api/v1/namespaces/default/configmaps/${name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name },
        data: { n: String(i) },
      });
      writes++;
    }
  })();
}
for (let l = 0; l < 2; l++) {
  void (async () => {
    for (;;) await call('GET', '/api/v1/namespaces/default/configmaps');
  })();
}
