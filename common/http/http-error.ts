import type { ServerResponse } from 'node:http';
import { errorBody, type ErrorCode } from '../errors.ts';
import { lingerAfterAnswer } from './lingering-close.ts';

/** A refusal before GraphQL execution: sent as a GraphQL-shaped error body with an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  sendRefusal(res, status, body, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** An answer sent whole at once (an error, a refusal, a small JSON document), whatever is left of the request's body. */
export function sendRefusal(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.headersSent) return;
  // A refusal before the request's body was read to its end (too large, unauthenticated): where
  // the next request on this connection would start is unknown, so the connection ends with it...
  const bodyUnread = res.req !== undefined && !res.req.complete;
  res.writeHead(status, { ...headers, ...(bodyUnread ? { connection: 'close' } : {}) });
  // ...but not before the client has sent it: closed at once, the connection would reset and the
  // client, still writing, would never read this answer.
  if (bodyUnread) lingerAfterAnswer(res.req);
  res.end(body);
}

export function sendHttpError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, errorBody(error.code, error.message, error.extensions), error.headers);
}
