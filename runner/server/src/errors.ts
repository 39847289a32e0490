import type { ApiErrorBody, ApiErrorCode } from '@paranoid/api/errors.ts';

/**
 * The one error class of the lab's API: it knows its own HTTP status, a stable
 * machine `code` the site switches on, and a `message` written for the learner.
 * Everything else thrown inside a handler becomes a 500 `Internal` (see app.ts).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: Omit<ApiErrorBody['error'], 'code' | 'message'> = {},
    /** Seconds after which trying again makes sense; sent as `Retry-After` (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }

  toResponse(): Response {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (this.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(Math.max(1, Math.ceil(this.retryAfterSeconds)));
    return Response.json(this.toJSON(), { status: this.status, headers });
  }
}

/** A 400 BadRequest for input the API cannot use, with a message saying what is wrong. */
export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);
/** A 404 NotFound naming what was not found. */
export const notFound = (what: string): ApiError => new ApiError(404, 'NotFound', `${what} not found`);
/** A 401 for a session request without its token, telling the learner to start the scenario again. */
export const unauthorized = (): ApiError =>
  new ApiError(401, 'Unauthorized', 'this session needs its token: start the scenario again');
