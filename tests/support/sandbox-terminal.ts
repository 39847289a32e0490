import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { WebSocket } from 'ws';

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
  return attachTerminal(base, body.session.id, body.token);
}

/** A client on the terminal of an existing session, through `base` (any runner of a replica set). */
export async function attachTerminal(base: string, id: string, token: string): Promise<TerminalClient> {
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
    close: () => ws.close(),
  };
}
