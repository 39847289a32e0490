/**
 * The instructor's HTTP client for a running runner: `--url` (default
 * http://127.0.0.1:7420) and the instructor token from `--token` or PARANOID_TOKEN.
 * Every failure becomes a {@link CliError} with a message a person can act on.
 */
export const DEFAULT_RUNNER_URL = 'http://127.0.0.1:7420';

/** A failure to print as `error: <message>` with its exit code, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The `--url` and `--token` flags every instructor command takes. */
export interface RunnerOptions {
  url?: string;
  token?: string;
}

/** Authenticated calls to a running runner's API; failures arrive as {@link CliError}. */
export interface RunnerClient {
  url: string;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  text(path: string): Promise<string>;
}

/** Makes a runner client from the flags, falling back to PARANOID_TOKEN; a bad URL is a {@link CliError}. */
export function runnerClient(options: RunnerOptions, env: NodeJS.ProcessEnv = process.env): RunnerClient {
  const raw = options.url ?? DEFAULT_RUNNER_URL;
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new CliError(`invalid --url ${JSON.stringify(raw)}: expected a URL like ${DEFAULT_RUNNER_URL}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new CliError(`invalid --url ${JSON.stringify(raw)}: expected http:// or https://`);
  }
  const token = options.token ?? env.PARANOID_TOKEN;
  if (!token) {
    throw new CliError(
      'this needs the instructor token: pass --token or set PARANOID_TOKEN (see `paranoid admin token`)',
    );
  }
  const url = base.origin;
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `failed to reach the runner at ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message} (is \`paranoid serve\` running there?)`,
      );
    }
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const parsed = (await res.json()) as { error?: { message?: string } };
        if (parsed.error?.message) message = parsed.error.message;
      } catch {
        // Not our JSON: keep the status line.
      }
      throw new CliError(`the runner refused: ${message}`);
    }
    return res;
  };
  return {
    url,
    call: async <T>(method: string, path: string, body?: unknown) =>
      (await (await request(method, path, body)).json()) as T,
    text: async (path) => (await request('GET', path)).text(),
  };
}
