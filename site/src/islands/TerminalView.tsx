import { useEffect, useId, useRef, useState } from 'react';
import { ApiFailure, api } from '../lib/api.ts';
import { escapeThenTab } from '../lib/focus.ts';

export interface TerminalHandle {
  /** Types `text` into the shell and presses Enter. */
  run(text: string): void;
  focus(): void;
}

interface Props {
  sessionId: string;
  token: string;
  /** The session is gone: the runner closed the socket with 4404. */
  onSessionEnded(message: string): void;
  handle: React.MutableRefObject<TerminalHandle | null>;
}

type Status = 'connecting' | 'live' | 'reconnecting' | 'exited' | 'unavailable';

const CLOSE_SHELL_EXITED = 4000;
const CLOSE_SESSION_ENDED = 4404;
const CLOSE_UNAVAILABLE = 4503;

/**
 * The learner's shell: xterm.js over the runner's WebSocket. A dropped connection
 * is retried with backoff; the runner replays the scrollback, so the screen comes back.
 */
export default function TerminalView({ sessionId, token, onSessionEnded, handle }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const hintId = useId();
  const [focused, setFocused] = useState(false);
  const [status, setStatus] = useState<Status>('connecting');
  const [detail, setDetail] = useState('');
  const [generation, setGeneration] = useState(0);
  const ended = useRef(onSessionEnded);
  ended.current = onSessionEnded;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation restarts the shell on purpose
  useEffect(() => {
    let disposed = false;
    let socket: WebSocket | null = null;
    let retry: number | undefined;
    let attempts = 0;
    let cleanup = () => {};

    (async () => {
      const [{ Terminal }, { FitAddon }, { WebLinksAddon }] = await Promise.all([
        import('@xterm/xterm'),
        import('@xterm/addon-fit'),
        import('@xterm/addon-web-links'),
        import('@xterm/xterm/css/xterm.css'),
      ]);
      if (disposed || !host.current) return;
      const term = new Terminal({
        cursorBlink: true,
        fontFamily: "ui-monospace, 'JetBrains Mono', Menlo, Consolas, 'Liberation Mono', monospace",
        fontSize: 14,
        lineHeight: 1.2,
        scrollback: 5000,
        allowProposedApi: false,
        screenReaderMode: false,
        theme: {
          background: '#070a0e',
          foreground: '#e8eef5',
          cursor: '#ff8787',
          selectionBackground: '#3b4d63',
          black: '#1b2430',
          red: '#ff6b6b',
          green: '#4ade80',
          yellow: '#fbbf24',
          blue: '#7cb7ff',
          magenta: '#d8a4ff',
          cyan: '#67e8f9',
          white: '#e8eef5',
        },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.loadAddon(new WebLinksAddon());
      term.open(host.current);
      fit.fit();
      // Screen readers and keyboard users hear how to leave when the terminal takes focus.
      term.textarea?.setAttribute('aria-describedby', hintId);
      term.textarea?.addEventListener('focus', () => setFocused(true));
      term.textarea?.addEventListener('blur', () => setFocused(false));

      // Escape then Tab leaves the terminal (WCAG 2.1.2): Tab alone belongs to the shell's completion.
      const leave = escapeThenTab(() => frame.current);
      // Ctrl+C copies when text is selected (as most terminals on the web do), else interrupts.
      term.attachCustomKeyEventHandler((event) => {
        if (leave(event)) return false;
        if (event.type !== 'keydown') return true;
        const copy = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c';
        if (copy && (event.shiftKey || term.hasSelection())) {
          void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
          term.clearSelection();
          return false;
        }
        return true;
      });

      const send = (message: unknown) => {
        if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      };
      term.onData((d) => send({ t: 'i', d }));
      term.onResize(({ cols, rows }) => send({ t: 'r', cols, rows }));

      const connect = () => {
        if (disposed) return;
        const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
        const url = `${scheme}//${location.host}/api/sessions/${encodeURIComponent(sessionId)}/terminal?cols=${term.cols}&rows=${term.rows}`;
        const ws = new WebSocket(url, ['paranoid.terminal.v1', `bearer.paranoid.${token}`]);
        socket = ws;
        let fresh = true;
        ws.onopen = () => {
          opened = true;
          attempts = 0;
          setStatus('live');
          setDetail('');
        };
        ws.onmessage = (event) => {
          // The runner starts every connection with the scrollback: redraw from it.
          if (fresh) {
            term.reset();
            fresh = false;
          }
          term.write(typeof event.data === 'string' ? event.data : '');
        };
        let opened = false;
        ws.onclose = (event) => {
          if (disposed || socket !== ws) return;
          // The runner refuses the upgrade itself when the session is gone (after a restart, say),
          // and a browser cannot read why: ask the API, which says so in words.
          if (!opened) {
            api.session(sessionId, token).then(
              () => undefined,
              (e: unknown) => {
                if (disposed || socket !== ws || !(e instanceof ApiFailure && e.sessionEnded)) return;
                window.clearTimeout(retry);
                setStatus('unavailable');
                ended.current(e.message);
              },
            );
          }
          if (event.code === CLOSE_SESSION_ENDED) {
            setStatus('unavailable');
            ended.current(event.reason || 'This session has ended.');
            return;
          }
          if (event.code === CLOSE_UNAVAILABLE) {
            setStatus('unavailable');
            setDetail(event.reason);
            // A close reason fits 123 bytes; the session says in full why, and how to fix it.
            void fullReason(sessionId, token).then((reason) => {
              if (!disposed && reason) setDetail(reason);
            });
            return;
          }
          if (event.code === CLOSE_SHELL_EXITED) {
            setStatus('exited');
            return;
          }
          attempts++;
          setStatus('reconnecting');
          retry = window.setTimeout(connect, Math.min(10_000, 500 * 2 ** Math.min(attempts, 5)));
        };
      };
      connect();

      const observer = new ResizeObserver(() => {
        try {
          fit.fit();
        } catch {
          // Hidden (another tab is shown): fit again when visible.
        }
      });
      observer.observe(host.current);

      handle.current = {
        run(text) {
          send({ t: 'i', d: `${text.replace(/\n+$/, '')}\r` });
          term.focus();
        },
        focus: () => term.focus(),
      };
      term.focus();
      cleanup = () => {
        observer.disconnect();
        handle.current = null;
        term.dispose();
      };
    })();

    return () => {
      disposed = true;
      window.clearTimeout(retry);
      socket?.close();
      cleanup();
    };
  }, [sessionId, token, generation, handle]);

  return (
    <div className="terminal" ref={frame}>
      <div className="terminal-status" role="status">
        <span className={`dot dot-${status}`} aria-hidden="true" />
        {status === 'connecting' && 'Connecting to your shell…'}
        {status === 'live' && 'Shell connected: kubectl is pointed at your cluster'}
        {status === 'reconnecting' && 'Connection lost: reconnecting…'}
        {status === 'exited' && 'The shell exited.'}
        {status === 'unavailable' && 'The terminal is not available.'}
        {(status === 'exited' || status === 'reconnecting') && (
          <button type="button" className="btn btn-small" onClick={() => setGeneration((g) => g + 1)}>
            {status === 'exited' ? 'Start a new shell' : 'Retry now'}
          </button>
        )}
        <span className="terminal-keys">
          <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>C</kbd> copy · <kbd>Ctrl</kbd>+<kbd>V</kbd> paste
        </span>
      </div>
      {status === 'unavailable' && detail && (
        <div className="terminal-off" role="alert" data-testid="terminal-off" style={{ padding: '1rem 1.25rem' }}>
          <p>
            <strong>There is no terminal for this session.</strong>
          </p>
          <p>{withCode(detail)}</p>
        </div>
      )}
      {/* Always in the page, so it is read as the description when focus arrives; shown while focused. */}
      <p id={hintId} className={focused ? 'terminal-hint' : 'visually-hidden'}>
        Tab completes commands in the shell; press <kbd>Esc</kbd> then <kbd>Tab</kbd> to leave the terminal.
      </p>
      <div className="terminal-host" ref={host} data-testid="terminal" hidden={status === 'unavailable'} />
    </div>
  );
}

/** Why the runner offers no terminal, in full, from the session itself. */
async function fullReason(sessionId: string, token: string): Promise<string | null> {
  try {
    const res = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { session?: { terminal?: { reason?: string } } };
    return body.session?.terminal?.reason ?? null;
  } catch {
    return null;
  }
}

/** The runner writes commands between backticks: show them as code, ready to copy. */
function withCode(text: string): React.ReactNode[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? <code key={part}>{part}</code> : part));
}
