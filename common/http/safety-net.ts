import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, echoed, errorBody } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { sendJson } from './http-error.ts';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

// As the gateway's rule for ids from a trusted proxy: nothing that could break a log line or a header.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:=+/-]{8,128}$/;

/** The `x-request-id` a caller sent (the gateway, to a subgraph), when it looks like one; else a new UUID. */
export function requestIdFromHeader(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

export interface SafetyNetOptions {
  readonly log: Logger;
  /** The id the request's other log lines carry (default: requestIdFromHeader). */
  readonly requestId?: (req: IncomingMessage) => string;
}

/**
 * Several servers share one process (`npm start`): whatever a handler throws, at once or later in
 * its promise, is that request's 500 (a code, no stack; the request id in the log line and the
 * `x-request-id` header), never an uncaught exception that ends the process for every server.
 */
export function withSafetyNet(listener: RequestListener, { log, requestId = requestIdFromHeader }: SafetyNetOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const fail = (error: unknown) => {
      const id = requestId(req);
      log.error({ err: error, requestId: id, method: req.method, url: echoed(req.url ?? '') }, 'unhandled error while serving a request');
      // Part of an answer is out: the client must see it cut, not take it for a whole one.
      if (res.headersSent) {
        if (!res.writableEnded) res.destroy();
        return;
      }
      sendJson(res, 500, errorBody(ErrorCode.internal, 'Internal server error.'), { 'x-request-id': id });
    };
    try {
      Promise.resolve(listener(req, res)).catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
