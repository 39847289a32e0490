/**
 * The real runner for the security suite: `paranoid serve --provider sim` as `serve`
 * builds it (simulated clusters on worker threads, the sandboxed terminal, SQLite
 * progress), listening on a free loopback port, with helpers to play a learner.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { WebSocket } from 'ws';
import { parse } from 'yaml';

export interface StartedLab {
  lab: LabServer;
  base: string;
  dir: string;
  close(): Promise<void>;
}

export async function startLab(): Promise<StartedLab> {
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-security-'));
  const lab = await createServeLab({ provider: 'sim', database: join(dir, 'progress.sqlite'), dataDir: dir });
  const { url } = await lab.listen(0, '127.0.0.1');
  return {
    lab,
    base: url,
    dir,
    async close() {
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LearnerSession {
  id: string;
  token: string;
  cookie: string;
}

/** Starts a scenario as a browser would: POST /api/sessions with the learner's cookie. */
export async function startSession(base: string, cookie: string, scenarioId = 'missing-networkpolicy') {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `paranoid_learner=${cookie}` },
    body: JSON.stringify({ scenarioId }),
  });
  if (res.status !== 201) throw new Error(`failed to start a session: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { session: { id: string }; token: string };
  return { id: body.session.id, token: body.token, cookie } satisfies LearnerSession;
}

/**
 * Proves the runner still serves a bystander: its health answers, and the bystander's
 * own cluster answers through the runner's API. The timeouts are liveness bounds on a
 * shared CI machine, not speed targets (those are in `pnpm bench`).
 */
export async function stillServes(base: string, bystander: LearnerSession): Promise<void> {
  const health = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(30_000) });
  if (health.status !== 200) throw new Error(`health answered ${health.status}`);
  const objects = await fetch(`${base}/api/sessions/${bystander.id}/objects`, {
    headers: { authorization: `Bearer ${bystander.token}` },
    signal: AbortSignal.timeout(60_000),
  });
  if (objects.status !== 200) throw new Error(`the bystander's objects answered ${objects.status}`);
  const { objects: list } = (await objects.json()) as { objects: unknown[] };
  if (list.length === 0) throw new Error("the bystander's cluster answered with nothing");
}

/** The kubeconfig the learner's shell holds: the session's own cluster, as cluster-admin. */
export function clusterOf(lab: LabServer, session: LearnerSession) {
  const kubeconfig = parse(lab.sessions.authorize(session.id, session.token).cluster.kubeconfig) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const { server, 'certificate-authority-data': caData } = kubeconfig.clusters[0]!.cluster;
  const token = kubeconfig.users[0]!.user.token;
  const ca = Buffer.from(caData, 'base64').toString();
  return {
    server,
    token,
    ca,
    /** One request to the cluster's API server, as kubectl would send it. */
    request(
      method: string,
      path: string,
      body?: string | Buffer,
      contentType = 'application/json',
    ): Promise<{ status: number; body: string }> {
      const url = new URL(server + path);
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          url,
          {
            method,
            ca,
            headers: {
              authorization: `Bearer ${token}`,
              ...(body !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {}),
            },
            timeout: 60_000,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
        if (body !== undefined) req.write(body);
        req.end();
      });
    },
  };
}

/** A terminal WebSocket as the site opens it; `token` null offers none. */
export function openTerminal(base: string, id: string, token: string | null) {
  const ws = new WebSocket(
    `${base.replace('http', 'ws')}/api/sessions/${id}/terminal?cols=100&rows=30`,
    [TERMINAL_PROTOCOL, ...(token ? [`${TOKEN_PROTOCOL_PREFIX}${token}`] : [])],
    { headers: { origin: base } },
  );
  let output = '';
  ws.on('message', (data) => {
    output += data.toString();
  });
  ws.on('error', () => undefined);
  return {
    ws,
    opened: new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', () => resolve(false));
      ws.once('close', () => resolve(false));
    }),
    refused: new Promise<number>((resolve) =>
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    ),
    closed: new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))),
    output: () => output,
    async waitFor(pattern: RegExp, ms = 15_000) {
      const until = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(output.slice(-300))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
