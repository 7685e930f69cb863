import type { ServerResponse } from 'node:http';
import { errorBody } from '../errors.ts';

/** A refusal before GraphQL execution: sent as a GraphQL-shaped error body with an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  // A refusal before the request's body was read to its end (too large, unauthenticated): where
  // the next request on this connection would start is unknown, so the connection ends with it.
  const bodyUnread = res.req !== undefined && !res.req.complete;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers, ...(bodyUnread ? { connection: 'close' } : {}) });
  res.end(body);
}

export function sendHttpError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, errorBody(error.code, error.message, error.extensions), error.headers);
}
