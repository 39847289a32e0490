import { join, resolve } from 'node:path';
import { applyAsLearner, applyCloudChanges, deleteObjects, waitForSettled } from '@paranoid/catalog/apply.ts';
import { loadScenario } from '@paranoid/catalog/load.ts';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { WebSocket } from 'ws';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
/** How long a scenario's cluster may take to come to rest after a change (a shared, loaded machine). */
const SETTLE_MS = 120_000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07/g;

/**
 * The lab exactly as `paranoid serve --provider sim` runs it, listening on a free loopback port;
 * its terminals run the bundled kubectl, as on a machine with none (never the host's).
 */
export async function startLab(): Promise<{ lab: LabServer; base: string; port: number }> {
  const lab = await createServeLab({ provider: 'sim', database: ':memory:', terminalKubectl: 'bundled' });
  const { url, port } = await lab.listen(0, '127.0.0.1');
  return { lab, base: url, port };
}

/** A learner's session and a client on its terminal WebSocket, as the site opens them. */
export interface TerminalClient {
  id: string;
  token: string;
  /** Everything printed so far, without colours. */
  output(): string;
  /** Types `command` and returns what it printed, once it has finished. */
  run(command: string, timeoutMs?: number): Promise<string>;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** Sends keystrokes as they are, with no marker and no wait. */
  type(data: string): void;
  /** Resolves when the socket has closed (the shell exited, or `close`), or rejects after `ms`. */
  closed(ms: number): Promise<void>;
  close(): void;
}

/** Starts a session of a scenario, as the site's Start button does, and opens its terminal. */
export async function openTerminal(base: string, scenarioId: string): Promise<TerminalClient> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenarioId }),
  });
  const body = (await res.json()) as { session?: { id: string }; token?: string };
  if (!body.session || !body.token) throw new Error(`failed to start a session: ${JSON.stringify(body)}`);
  return connectTerminal(base, body.session.id, body.token);
}

/**
 * A new shell on the same session and cluster, as a learner coming back gets it: the old
 * shell is left with `exit` (the runner closes its socket), and the next connection starts
 * a fresh one. Nothing typed before (a variable, a file in /tmp) carries over.
 */
export async function freshShell(base: string, client: TerminalClient): Promise<TerminalClient> {
  client.type('exit\r');
  await client.closed(20_000);
  return connectTerminal(base, client.id, client.token);
}

/** Opens the terminal WebSocket of a session and waits for its prompt, through `base` (any runner of a replica set). */
export async function connectTerminal(
  base: string,
  id: string,
  token: string,
  /** More headers on the upgrade (a replica's signature, in the replica tests), given the path it goes to. */
  headersFor: (path: string) => Record<string, string> = () => ({}),
): Promise<TerminalClient> {
  const path = `/api/sessions/${id}/terminal?cols=200&rows=50`;
  const ws = new WebSocket(
    `${base.replace('http', 'ws')}${path}`,
    [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`],
    {
      headers: { origin: base, ...headersFor(path) },
    },
  );
  let text = '';
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('message', (data) => {
    text += data.toString().replace(ANSI, '').replace(/\r/g, '');
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = async (pattern: RegExp, ms = 15_000) => {
    const until = Date.now() + ms;
    while (!pattern.test(text)) {
      if (Date.now() > until)
        throw new Error(`timed out waiting for ${pattern}; the terminal shows:\n${text.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(/\$ $/m);
  let n = 0;
  return {
    id,
    token,
    output: () => text,
    waitFor,
    async run(command, timeoutMs = 30_000) {
      const mark = `__end_${++n}_${Math.random().toString(36).slice(2, 8)}`;
      const from = text.length;
      // The marker is printed by a separate command, so it appears only once the command is done.
      ws.send(JSON.stringify({ t: 'i', d: `${command}\recho ${mark}\r` }));
      const end = new RegExp(`^${mark}$`, 'm');
      await waitFor(end, timeoutMs);
      const printed = text.slice(from);
      return printed.slice(0, printed.search(end));
    },
    type: (data) => ws.send(JSON.stringify({ t: 'i', d: data })),
    closed: (ms) =>
      Promise.race([
        closed,
        new Promise<void>((_, reject) =>
          setTimeout(() => reject(new Error(`the terminal did not close within ${ms} ms`)), ms).unref(),
        ),
      ]),
    close: () => ws.close(),
  };
}

/** A scenario's cluster at rest: every workload rolled out, no pod terminating (bounded). */
async function settle(client: KubeClient, what: string): Promise<void> {
  const moving = await waitForSettled(client, SETTLE_MS);
  if (moving.length > 0) throw new Error(`failed to settle ${what}: ${moving.slice(0, 5).join(', ')} still moving`);
}

/** The session cluster behind a terminal, as the runner's own client reaches it (from outside the sandbox). */
function clusterOf(lab: LabServer, client: TerminalClient): KubeClient {
  return new KubeClient(lab.sessions.authorize(client.id, client.token).cluster.kubeconfig);
}

/** Waits until a terminal's cluster is at rest, as a learner reading the first step would. */
export async function waitForSetup(lab: LabServer, client: TerminalClient): Promise<void> {
  const kube = clusterOf(lab, client);
  try {
    await settle(kube, 'the setup');
  } finally {
    kube.close();
  }
}

/**
 * Applies a scenario's reference solution to a terminal session's cluster by the one path
 * `validate` and the editor take (its deletions, then server-side apply, object by object),
 * and waits until the cluster is at rest: from outside the sandbox, so the learner's shell
 * sees only the result.
 */
export async function applyReferenceSolution(lab: LabServer, id: string, client: TerminalClient): Promise<void> {
  const dir = join(SCENARIOS, id);
  const { scenario, problems } = loadScenario(dir, SCENARIOS);
  if (!scenario) throw new Error(`failed to load scenario ${id}: ${JSON.stringify(problems)}`);
  const kube = clusterOf(lab, client);
  try {
    await deleteObjects(kube, scenario.solution.deletions);
    await applyCloudChanges(kube, scenario.solution.cloud);
    await applyAsLearner(kube, scenario.solution.manifests);
    await settle(kube, `the solution of ${id}`);
  } finally {
    kube.close();
  }
}
