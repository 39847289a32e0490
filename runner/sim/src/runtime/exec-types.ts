/**
 * An exec into a simulated container, as the API's pods/exec endpoint drives
 * it. The HTTP adapter maps WebSocket channels (v5.channel.k8s.io) onto this.
 */
export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

/** One exec into a container: stdin in, stdout and stderr out, terminal resizes, and its exit code. */
export interface ExecSession {
  /** Bytes the client typed or piped (channel 0). */
  writeStdin(data: Uint8Array): void;
  /** The client closed stdin (v5 close frame, or end of piped input). */
  closeStdin(): void;
  /** Terminal size changed (channel 4). */
  resize(cols: number, rows: number): void;
  /** Stops the command, as when the client disconnects. */
  kill(): void;
  onStdout(listener: (data: Uint8Array) => void): void;
  onStderr(listener: (data: Uint8Array) => void): void;
  /** Exactly once, after the last output: the exit code. */
  onExit(listener: (code: number) => void): void;
}
