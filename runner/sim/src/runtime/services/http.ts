/** An HTTP request as a simulated service receives it. */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What a simulated service answers an HTTP request with. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * The server answered but the answer never reached the caller (its IP TTL ran out on the
   * way back, as IMDSv2's hop limit does to a pod): the client sees nothing until it gives up.
   */
  lost?: true;
}

/** Reason phrases of the HTTP status codes the simulated services send. */
export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A header by name, case-insensitive. */
export function header(h: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : h[key];
}

/** A response with a JSON body and its content type. */
export const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'Content-Type': 'application/json' },
  body: `${JSON.stringify(body, null, 2)}\n`,
});
