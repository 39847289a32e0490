import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScenario } from '@paranoid/catalog/load.ts';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { WebSocket } from 'ws';
import { runKubectl } from './sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07/g;

/** The lab exactly as `paranoid serve --provider sim` runs it, listening on a free loopback port. */
export async function startLab(): Promise<{ lab: LabServer; base: string; port: number }> {
  const lab = await createServeLab({ provider: 'sim', database: ':memory:' });
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
  close(): void;
}

export async function openTerminal(base: string, scenarioId: string): Promise<TerminalClient> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenarioId }),
  });
  const body = (await res.json()) as { session?: { id: string }; token?: string };
  if (!body.session || !body.token) throw new Error(`failed to start a session: ${JSON.stringify(body)}`);
  const { id } = body.session;
  const token = body.token;
  const ws = new WebSocket(
    `${base.replace('http', 'ws')}/api/sessions/${id}/terminal?cols=200&rows=50`,
    [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`],
    { headers: { origin: base } },
  );
  let text = '';
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
    close: () => ws.close(),
  };
}

/**
 * Applies a scenario's solution/ to a terminal session's cluster, its deletions first, as
 * attacks.test.ts does: from outside the sandbox, so the learner's shell sees only the result.
 */
export async function applyReferenceSolution(lab: LabServer, id: string, client: TerminalClient): Promise<void> {
  const dir = join(SCENARIOS, id);
  const { scenario, problems } = loadScenario(dir, SCENARIOS);
  if (!scenario) throw new Error(`failed to load scenario ${id}: ${JSON.stringify(problems)}`);
  const session = lab.sessions.authorize(client.id, client.token);
  const work = mkdtempSync(join(tmpdir(), 'paranoid-solve-'));
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, session.cluster.kubeconfig, { mode: 0o600 });
  const kubectl = async (args: string[]) => {
    const r = await runKubectl(kubeconfig, join(work, 'cache'), args, { timeoutMs: 60_000 });
    if (r.code !== 0)
      throw new Error(`failed to apply the solution of ${id}: kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  };
  try {
    for (const d of scenario.solution.deletions) {
      const group = d.apiVersion.includes('/') ? `.${d.apiVersion.slice(0, d.apiVersion.indexOf('/'))}` : '';
      await kubectl([
        'delete',
        `${d.kind.toLowerCase()}${group}`,
        ...(d.name ? [d.name] : ['-l', d.labelSelector ?? '']),
        ...(d.namespace ? ['-n', d.namespace] : []),
        '--ignore-not-found',
        '--wait=false',
      ]);
    }
    const solution = join(dir, 'solution');
    for (const file of readdirSync(solution).sort()) {
      if (file.endsWith('.yaml') && file !== 'delete.yaml') await kubectl(['apply', '-f', join(solution, file)]);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
