// Subscriptions over plain HTTP: a POST to /graphql whose Accept header asks for a stream (Apollo's
// multipart protocol or Server-Sent Events, see http-stream-framing.ts) stays open and carries the
// subscription's results. The rules are the session's (subscription-session.ts), as on the
// WebSocket; an HTTP stream adds the request rate limit of an HTTP request. Refusals before a
// stream starts (no token, a rate limit, too many streams) are ordinary JSON responses with a status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import { HttpError, sendHttpError, sendJson } from '../../common/http/http-error.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { SubscriptionLimits } from '../config.ts';
import type { SubscriptionStream } from './event-subscription.ts';
import type { HttpStreamFraming } from './http-stream-framing.ts';
import type { OperationRequest } from './operation.ts';
import type { SubscriptionSessions } from './subscription-session.ts';
import type { ResolveOperation } from '../trusted-documents/trusted-documents.ts';

export interface HttpSubscriptionOptions {
  readonly limits: Pick<SubscriptionLimits, 'maxConnections' | 'keepAliveMs'>;
  readonly sessions: SubscriptionSessions;
  /** Draws the request from the caller's rate-limit budget (throws HttpError 429). */
  readonly admit: (req: IncomingMessage, viewer: Viewer) => Promise<unknown>;
  readonly requestId: (req: IncomingMessage) => string;
  readonly log: Logger;
  /** Trusted documents: resolves a persisted id to its text, or refuses what no manifest lists. */
  readonly resolveOperation?: ResolveOperation | undefined;
}

export interface HttpSubscriptions {
  /** Serves one POST whose body (parsed JSON) the caller has read already. */
  handle(req: IncomingMessage, res: ServerResponse, framing: HttpStreamFraming, body: unknown): Promise<void>;
  /** Streams open now. */
  count(): number;
  /** Ends every open stream with a fatal error saying the gateway is going away. */
  close(): Promise<void>;
}

const refusal = (status: number, code: string, message: string) => new HttpError(status, code, message);

/** A response stream in one framing: results, heartbeats, a fatal error, the end. */
class FramedStream {
  private first = true;
  constructor(
    private readonly res: ServerResponse,
    private readonly framing: HttpStreamFraming,
  ) {
    res.writeHead(200, { 'content-type': framing.contentType, 'cache-control': 'no-cache', connection: 'keep-alive' });
  }

  private write(text: string): Promise<void> {
    this.first = false;
    if (this.res.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => this.res.write(text, () => resolve()));
  }

  result = (result: FormattedExecutionResult) => this.write(this.framing.result(result, this.first));
  heartbeat = () => this.write(this.framing.heartbeat(this.first));
  fatal = (error: GraphQLFormattedError) => this.write(this.framing.fatal(error, this.first));
  end() {
    if (!this.res.destroyed) this.res.end(this.framing.end(this.first));
  }
}

export function createHttpSubscriptions(options: HttpSubscriptionOptions): HttpSubscriptions {
  const { limits, sessions } = options;
  const log = options.log.child({ component: 'http-subscriptions' });
  /** Ends an open stream with a fatal error. */
  const open = new Set<(error: GraphQLFormattedError) => Promise<void>>();
  let closing = false;

  /** GraphQL errors found before streaming: a JSON response, or (SSE) `next` with them and `complete`. */
  async function answerWithErrors(res: ServerResponse, framing: HttpStreamFraming, status: number, body: { data?: null; errors: readonly GraphQLFormattedError[] }) {
    if (!framing.errorsInStream) return sendJson(res, status, JSON.stringify(body));
    const stream = new FramedStream(res, framing);
    await stream.result(body);
    stream.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse, framing: HttpStreamFraming, body: unknown): Promise<void> {
    const requestId = options.requestId(req);
    res.setHeader('x-request-id', requestId);
    try {
      if (closing || open.size >= limits.maxConnections) {
        sessions.refused(closing ? 'stopping' : 'max_connections');
        throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'Too many open subscriptions; try again later.', { 'retry-after': '5' });
      }
      const authorization = req.headers.authorization;
      if (!authorization) {
        sessions.refused('unauthenticated');
        throw refusal(401, ErrorCode.unauthenticated, 'Sign in to subscribe: send Authorization: Bearer <token>.');
      }
      const authenticated = await sessions.authenticate(authorization);
      if (!authenticated.ok) throw authenticated.error;
      const { viewer, expiresAt } = authenticated;
      await options.admit(req, viewer);
      const resolved = options.resolveOperation?.(body, req.headers) ?? { ok: true, request: body };
      if (!resolved.ok) throw refusal(resolved.status, resolved.code, resolved.message);
      const request = resolved.request as OperationRequest | undefined;
      if (typeof request?.query !== 'string') throw refusal(400, ErrorCode.badRequest, 'The body must be a JSON object with a "query" string.');
      const schema = sessions.schema();
      if (!schema) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'The gateway is starting; try again shortly.');
      const prepared = sessions.prepare(schema, request);
      if (Array.isArray(prepared)) return await answerWithErrors(res, framing, 400, { errors: prepared.map((error) => error.toJSON()) });
      const opened = await sessions.open({ request, prepared, viewer });
      if (!opened.ok) {
        // Not the entity's subscriber: a GraphQL answer (as the HTTP query gives); the rest: refusals with a status.
        if (opened.reason === 'not_found') return await answerWithErrors(res, framing, 200, { data: null, errors: opened.errors });
        const [first] = opened.errors;
        throw new HttpError(opened.status, String(first?.extensions?.['code'] ?? ErrorCode.badRequest), first?.message ?? 'Refused.', {}, withoutCode(first?.extensions));
      }
      await stream(res, framing, opened.stream, expiresAt);
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      log.error({ err: error, requestId, protocol: framing.name }, 'a subscription over HTTP failed');
      if (!res.headersSent) return sendHttpError(res, new HttpError(500, ErrorCode.internal, 'Internal server error.'));
      res.destroy();
    }
  }

  /** Writes every result until the subscription or the client ends, with heartbeats between. */
  async function stream(res: ServerResponse, framing: HttpStreamFraming, results: SubscriptionStream, expiresAt: number): Promise<void> {
    const out = new FramedStream(res, framing);
    let finished = false;
    let heartbeat: NodeJS.Timeout | undefined;
    let cancelExpiry: (() => void) | undefined;
    const finish = async (fatal?: GraphQLFormattedError) => {
      if (finished) return;
      finished = true;
      clearInterval(heartbeat);
      cancelExpiry?.();
      open.delete(finish);
      if (fatal) await out.fatal(fatal);
      out.end();
      await results.return();
    };
    open.add(finish);
    // Intermediaries drop a silent connection; clients ignore heartbeats.
    if (limits.keepAliveMs > 0) heartbeat = setInterval(() => void out.heartbeat(), limits.keepAliveMs);
    const expired = { message: 'The access token has expired; subscribe again with a new one.', extensions: { code: ErrorCode.unauthenticated, reason: 'TOKEN_EXPIRED' } };
    cancelExpiry = sessions.watchExpiry(expiresAt, () => void finish(expired));
    res.once('close', () => void finish()); // the client went away
    try {
      await out.heartbeat(); // headers and a first chunk at once: the client knows the subscription is on
      for await (const result of results) {
        if (finished) break;
        sessions.delivered(result);
        await out.result(result);
      }
    } finally {
      await finish();
    }
  }

  return {
    handle,
    count: () => open.size,
    async close() {
      closing = true;
      const goingAway = { message: 'The gateway is going away; subscribe again.', extensions: { code: 'SERVICE_UNAVAILABLE' } };
      await Promise.all([...open].map((finish) => finish(goingAway)));
    },
  };
}

function withoutCode(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const { code: _code, ...rest } = extensions ?? {};
  return rest;
}
