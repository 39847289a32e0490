/**
 * A learner's terminal in the lab: the session's WebSocket as the site opens it, what is typed
 * sent as input frames, and what it prints read back as text. Tests that type in a session's
 * shell share it.
 */
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { WebSocket } from 'ws';

/** ANSI escape sequences (colours, cursor moves, window titles), stripped from what a terminal prints. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
export const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07/g;

/** A terminal connected to a session of the lab at `base`. */
export interface LabTerminal {
  readonly ws: WebSocket;
  /** Resolves once the socket is open. */
  readonly opened: Promise<void>;
  /** Sends `text` as keystrokes. */
  type(text: string): void;
  /** Waits for `pattern` in what was printed since the last wait, and moves past it; returns that text. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
}

/** Opens the terminal of session `id` with its token, as the site does (160x40, from the lab's own origin). */
export function connectTerminal(base: string, id: string, token: string): LabTerminal {
  const ws = new WebSocket(
    `${base.replace('http', 'ws')}/api/sessions/${id}/terminal?cols=160&rows=40`,
    [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`],
    { headers: { origin: base } },
  );
  let output = '';
  ws.on('message', (data) => {
    output += data.toString().replace(ANSI, '');
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // A test that never waits for the opening learns of a failed one from its next wait instead.
  opened.catch(() => undefined);
  let mark = 0;
  return {
    ws,
    opened,
    type: (text: string) => ws.send(JSON.stringify({ t: 'i', d: text })),
    async waitFor(pattern: RegExp, ms = 20_000): Promise<string> {
      const until = Date.now() + ms;
      for (;;) {
        const fresh = output.slice(mark);
        const m = pattern.exec(fresh);
        if (m) {
          mark += m.index + m[0].length;
          return fresh.slice(0, m.index + m[0].length);
        }
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(fresh)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
