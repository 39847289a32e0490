import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '@paranoid/sim-server/tls.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLabServer, type LabServer } from './lab-server.ts';
import { sandboxUnavailableReason } from './sandbox.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from './terminal-socket.ts';
import { FakeCatalog, FakeGrader, FakeProvider } from './testing/fakes.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

const hasSandbox = sandboxUnavailableReason() === null;
let dir: string;
let lab: LabServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-ws-'));
  lab = await createLabServer({
    provider: new FakeProvider(),
    catalog: new FakeCatalog(),
    grader: new FakeGrader(),
    database: ':memory:',
    relayCertificate: () => selfSignedCertificate('paranoid-relay'),
  });
  base = (await lab.listen(0, '127.0.0.1')).url;
});

afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ id: string; token: string }> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenarioId: 'missing-networkpolicy' }),
  });
  const body = (await res.json()) as { session: { id: string }; token: string };
  return { id: body.session.id, token: body.token };
}

/** A terminal client that collects everything the shell prints. */
function connect(id: string, token: string, origin = base) {
  const ws = new WebSocket(
    `${base.replace('http', 'ws')}/api/sessions/${id}/terminal?cols=120&rows=40`,
    [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`],
    { headers: { origin } },
  );
  let output = '';
  ws.on('message', (data) => {
    // The prompt is coloured; tests read the text.
    output += data.toString().replace(ANSI, '');
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  // The HTTP status of an upgrade the runner refused; ws also reports it as an error.
  const refused = new Promise<number>((resolve) =>
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
  );
  ws.on('error', () => undefined);
  return {
    ws,
    closed,
    refused,
    output: () => output,
    type: (text: string) => ws.send(JSON.stringify({ t: 'i', d: text })),
    async waitFor(pattern: RegExp, ms = 5000) {
      const until = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(output)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe.skipIf(!hasSandbox)('the terminal WebSocket', () => {
  it('refuses a page from another origin before any shell starts', async () => {
    const { id, token } = await start();
    const client = connect(id, token, 'https://evil.example');
    const status = await new Promise<number>((resolve) =>
      client.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
  });

  it('refuses the upgrade with 404 when the token is not the session’s', async () => {
    const { id } = await start();
    const other = await start();
    const client = connect(id, other.token);
    expect(await client.refused).toBe(404);
  });

  it('refuses the upgrade with 401 when there is no token at all', async () => {
    const { id } = await start();
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/sessions/${id}/terminal`, [TERMINAL_PROTOCOL], {
      headers: { origin: base },
    });
    ws.on('error', () => undefined);
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
  });

  it('closes only that socket with 1009 when a frame is too large', async () => {
    const { id, token } = await start();
    const big = connect(id, token);
    const calm = connect(id, token);
    await big.waitFor(/\$ $/);
    await calm.waitFor(/\$ $/);
    big.ws.send('x'.repeat(70_000));
    expect((await big.closed).code).toBe(1009);
    calm.type('echo alive-$((2+2))\r');
    await calm.waitFor(/alive-4\r\n/);
    calm.ws.close();
  });

  it('gives a prompt in a sandbox: uid 1000, the session kubeconfig, none of the runner’s files', async () => {
    const { id, token } = await start();
    const client = connect(id, token);
    await client.waitFor(/missing-networkpolicy:~\$ $/);
    client.type(
      'id -u; echo "KC=$KUBECONFIG"; ls /work /root 2>&1 | head -2; cat $KUBECONFIG | grep -c token; echo DONE$((1+1))\r',
    );
    await client.waitFor(/DONE2\r\n/);
    const out = client.output();
    expect(out).toMatch(/\n\r?1000\r\n/);
    expect(out).toContain('KC=/etc/paranoid/kubeconfig');
    expect(out).toMatch(/cannot access '\/work'/);
    expect(out).toMatch(/\r\n1\r\n/);
    client.ws.close();
  });

  it('cannot write outside its home and tmp', async () => {
    const { id, token } = await start();
    const client = connect(id, token);
    await client.waitFor(/\$ $/);
    client.type('touch /usr/x 2>&1; touch /etc/paranoid/x 2>&1; touch ~/ok /tmp/ok && echo WROTE$((1+1))\r');
    await client.waitFor(/WROTE2\r\n/);
    expect(client.output()).toMatch(/Read-only file system/);
    client.ws.close();
  });

  it('brings the scrollback back after a reconnect', async () => {
    const { id, token } = await start();
    const first = connect(id, token);
    await first.waitFor(/\$ $/);
    first.type('echo remember-$((6*7))\r');
    await first.waitFor(/remember-42/);
    first.ws.terminate();
    await first.closed;
    const second = connect(id, token);
    await second.waitFor(/remember-42/);
    second.type('echo still-$((1+1))\r');
    await second.waitFor(/still-2\r\n/);
    second.ws.close();
  });

  it('resizes the pseudo-terminal', async () => {
    const { id, token } = await start();
    const client = connect(id, token);
    await client.waitFor(/\$ $/);
    client.ws.send(JSON.stringify({ t: 'r', cols: 91, rows: 17 }));
    await new Promise((r) => setTimeout(r, 100));
    client.type('stty size\r');
    await client.waitFor(/17 91/);
    client.ws.close();
  });

  it('is closed, and its shell killed, when the session is deleted', async () => {
    const { id, token } = await start();
    const client = connect(id, token);
    await client.waitFor(/\$ $/);
    await fetch(`${base}/api/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect((await client.closed).code).toBe(4000);
    const again = connect(id, token);
    expect(await again.refused).toBe(404);
  });
});
