// Subscriptions over HTTP with Apollo's multipart protocol (what Apollo Client, Kotlin and iOS speak
// to the GraphOS Router): a POST to /graphql with `Accept: multipart/mixed;subscriptionSpec="1.0"`
// stays open and gets one part per result, `{"payload": <result>}`; a part `{}` is a heartbeat; a
// fatal error is `{"payload": null, "errors": [...]}` and ends the response; the end is `--graphql--`.
//
// Same operations, checks and budget as the WebSocket transport: a signed-in user, the shared
// per-user slots, the request rate limit of an HTTP request. A refusal before anything streams is an
// ordinary JSON response with its HTTP status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FormattedExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import { HttpError, sendHttpError, sendJson } from '../../common/http/http-error.ts';
import { parseJsonBody, readBody } from '../../common/http/read-body.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { VerifiedAccessToken } from '../auth/access-token-verifier.ts';
import type { SubscriptionLimits } from '../config.ts';
import type { FederatedExecutor } from './federated-executor.ts';
import { prepareOperation, type OperationRequest } from './operation.ts';
import type { OrderStatusHub } from './order-status-hub.ts';
import { openOrderSubscription, type OrderSubscriptionStream } from './order-subscription.ts';
import type { SubscriptionMetrics } from './subscription-metrics.ts';
import type { SubscriptionSlots } from './subscription-slots.ts';
import { SUBSCRIPTION_LIMIT_REACHED } from './websocket-server.ts';

export const MULTIPART_CONTENT_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
// Framed as the Router frames it: every part is followed at once by the next delimiter, so a client
// (Apollo Client splits on delimiters) handles a part when it arrives, not when the next one does.
// The closing delimiter is that last delimiter plus "--".
const DELIMITER = '\r\n--graphql';
const PART_HEAD = '\r\ncontent-type: application/json\r\n\r\n';
const CLOSE = '--\r\n';
// setTimeout takes at most 2^31 - 1 ms; a token valid for longer (24 days) is not timed.
const MAX_TIMER_MS = 2_147_483_647;

/** Whether the client asked for the multipart subscription protocol. */
export const wantsMultipartSubscription = (req: IncomingMessage) => req.method === 'POST' && /subscriptionSpec=("?)1\.0\1/i.test(req.headers.accept ?? '');

export interface MultipartSubscriptionOptions {
  readonly limits: Pick<SubscriptionLimits, 'maxConnections' | 'maxPerUser' | 'keepAliveMs'>;
  readonly maxBodyBytes: number;
  readonly verify: (authorization: string) => Promise<VerifiedAccessToken>;
  /** Draws the request from the caller's rate-limit budget (throws HttpError 429). */
  readonly admit: (req: IncomingMessage, viewer: Viewer) => Promise<unknown>;
  readonly requestId: (req: IncomingMessage) => string;
  readonly schema: () => GraphQLSchema | undefined;
  readonly executor: FederatedExecutor;
  readonly hub: OrderStatusHub;
  readonly slots: SubscriptionSlots;
  readonly metrics: SubscriptionMetrics;
  readonly log: Logger;
}

export interface MultipartSubscriptions {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Streams open now. */
  count(): number;
  /** Ends every open stream with a transport error saying the gateway is going away. */
  close(): Promise<void>;
}

const refusal = (status: number, code: string, message: string, extensions: Record<string, unknown> = {}) =>
  new HttpError(status, code, message, {}, extensions);

export function createMultipartSubscriptions(options: MultipartSubscriptionOptions): MultipartSubscriptions {
  const { limits, metrics, slots, executor, hub } = options;
  const log = options.log.child({ component: 'multipart-subscriptions' });
  /** Ends an open stream with a fatal error part. */
  const open = new Set<(error: GraphQLFormattedError) => Promise<void>>();
  let closing = false;

  async function authenticate(req: IncomingMessage): Promise<VerifiedAccessToken> {
    const authorization = req.headers.authorization;
    if (!authorization) throw refusal(401, ErrorCode.unauthenticated, 'Sign in to subscribe: send Authorization: Bearer <token>.');
    return options.verify(authorization);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = options.requestId(req);
    res.setHeader('x-request-id', requestId);
    try {
      if (closing || open.size >= limits.maxConnections) {
        metrics.refused.inc({ reason: closing ? 'stopping' : 'max_connections' });
        throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'Too many open subscriptions; try again later.', { 'retry-after': '5' });
      }
      const { viewer, expiresAt } = await authenticate(req);
      await options.admit(req, viewer);
      const request = parseJsonBody(await readBody(req, options.maxBodyBytes), req.headers['content-type']) as OperationRequest;
      if (typeof request?.query !== 'string') throw refusal(400, ErrorCode.badRequest, 'The body must be a JSON object with a "query" string.');
      const schema = options.schema();
      if (!schema) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'The gateway is starting; try again shortly.');
      const prepared = prepareOperation(schema, request);
      if (Array.isArray(prepared)) {
        sendJson(res, 400, JSON.stringify({ errors: prepared.map((error) => error.toJSON()) }));
        return;
      }
      if (prepared.kind === 'execution') {
        throw refusal(400, ErrorCode.badRequest, 'Only subscriptions are served as multipart subscriptions; send queries and mutations without subscriptionSpec.');
      }
      const slot = slots.take(viewer.id);
      if (!slot) {
        metrics.refused.inc({ reason: 'per_user' });
        throw refusal(429, SUBSCRIPTION_LIMIT_REACHED, `At most ${limits.maxPerUser} subscriptions per user at once.`, { limit: 'SUBSCRIPTIONS_MAX_PER_USER' });
      }
      let opened;
      try {
        opened = await openOrderSubscription({ operation: prepared, viewer, hub, executor, log, onEnd: () => slot.release() });
      } catch (error) {
        slot.release();
        throw error;
      }
      if (!opened.ok) {
        metrics.refused.inc({ reason: 'not_found' });
        sendJson(res, 200, JSON.stringify({ data: null, errors: opened.errors }));
        return;
      }
      await stream(req, res, opened.stream, expiresAt);
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      log.error({ err: error, requestId }, 'a multipart subscription failed');
      if (!res.headersSent) return sendHttpError(res, new HttpError(500, ErrorCode.internal, 'Internal server error.'));
      res.destroy();
    }
  }

  /** Writes every result as a part until the subscription or the client ends, with heartbeats between. */
  async function stream(req: IncomingMessage, res: ServerResponse, results: OrderSubscriptionStream, expiresAt: number): Promise<void> {
    res.writeHead(200, { 'content-type': MULTIPART_CONTENT_TYPE, 'cache-control': 'no-cache', connection: 'keep-alive' });
    let first = true;
    const write = (part: unknown) => {
      const chunk = `${first ? DELIMITER : ''}${PART_HEAD}${JSON.stringify(part)}${DELIMITER}`;
      first = false;
      return new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    };
    let finished = false;
    const finish = async (fatal?: GraphQLFormattedError) => {
      if (finished) return;
      finished = true;
      clearInterval(heartbeat);
      clearTimeout(expiry);
      open.delete(finish);
      if (fatal && !res.destroyed) await write({ payload: null, errors: [fatal] });
      if (!res.destroyed) res.end(first ? `${DELIMITER}${CLOSE}` : CLOSE);
      await results.return();
    };
    open.add(finish);
    // Intermediaries drop a silent connection; a client ignores `{}`.
    const heartbeat = limits.keepAliveMs > 0 ? setInterval(() => void write({}), limits.keepAliveMs) : undefined;
    const untilExpiry = expiresAt - Date.now();
    const expiry =
      untilExpiry <= MAX_TIMER_MS
        ? setTimeout(
            () => void finish({ message: 'The access token has expired; subscribe again with a new one.', extensions: { code: ErrorCode.unauthenticated, reason: 'TOKEN_EXPIRED' } }),
            Math.max(0, untilExpiry),
          )
        : undefined;
    res.once('close', () => void finish()); // the client went away
    try {
      await write({}); // headers and a first part at once: the client knows the subscription is on
      for await (const result of results) {
        if (finished) break;
        countDelivery(result);
        await write({ payload: result });
      }
    } finally {
      await finish();
    }
  }

  function countDelivery(result: FormattedExecutionResult) {
    const event = (result.extensions as { event?: { at?: string } } | undefined)?.event;
    if (!event) return;
    metrics.eventsDelivered.inc();
    const at = Date.parse(event.at ?? '');
    if (Number.isFinite(at)) metrics.deliveryLag.observe(Math.max(0, Date.now() - at) / 1000);
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
