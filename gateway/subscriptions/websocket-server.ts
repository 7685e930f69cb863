// graphql-ws (the graphql-transport-ws protocol) on the gateway's own HTTP server, at /graphql.
//
// Close codes (see the README's "Subscriptions"):
//   4401 Unauthorized       connection_init carried a bad token (reason: "Unauthorized: TOKEN_…"); not retried by graphql-ws clients
//   4403 Token expired      the connection's token reached its `exp`; graphql-ws clients reconnect (with fresh connectionParams)
//   4408                    no connection_init within SUBSCRIPTIONS_INIT_TIMEOUT_MS
//   1013 Try again later    tokens cannot be verified right now (the accounts key set is unreachable)
//   1001 Going away         the gateway is stopping
// Beyond SUBSCRIPTIONS_MAX_CONNECTIONS the upgrade itself is answered with HTTP 503.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, FormattedExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ExecutionResult } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode, graphQLError, unauthenticated } from '../../common/errors.ts';
import { HttpError } from '../../common/http/http-error.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { VerifiedAccessToken } from '../auth/access-token-verifier.ts';
import type { SubscriptionLimits } from '../config.ts';
import type { FederatedExecutor } from './federated-executor.ts';
import { graphqlRuntime } from './graphql-runtime.ts';
import { prepareOperation } from './operation.ts';
import type { OrderStatusHub } from './order-status-hub.ts';
import { openOrderSubscription, type OrderSubscriptionStream } from './order-subscription.ts';
import { recordDelivery, type SubscriptionMetrics } from './subscription-metrics.ts';
import type { SubscriptionSlots } from './subscription-slots.ts';
import type { ResolveOperation } from '../trusted-documents/trusted-documents.ts';

// graphql-ws tells errors from execution arguments by `instanceof GraphQLError`: made with its graphql's class.
const { GraphQLError: WsGraphQLError } = graphqlRuntime;

export const SubscriptionCloseCode = {
  unauthorized: CloseCode.Unauthorized, // 4401
  tokenExpired: CloseCode.Forbidden, // 4403
  initTimeout: CloseCode.ConnectionInitialisationTimeout, // 4408
  tryAgainLater: 1013,
  goingAway: 1001,
} as const;

/** `extensions.code` of a subscription refused by a limit. */
export const SUBSCRIPTION_LIMIT_REACHED = 'SUBSCRIPTION_LIMIT_REACHED';

export interface SubscriptionServerOptions {
  readonly httpServer: Server;
  readonly path: string;
  readonly limits: SubscriptionLimits;
  /** Largest message a client may send (the HTTP body limit). */
  readonly maxPayloadBytes: number;
  readonly verify: (authorization: string) => Promise<VerifiedAccessToken>;
  /** The gateway's API schema; undefined until the supergraph is loaded. */
  readonly schema: () => GraphQLSchema | undefined;
  readonly executor: FederatedExecutor;
  readonly hub: OrderStatusHub;
  readonly metrics: SubscriptionMetrics;
  /** The per-user budget, shared with the multipart HTTP transport. */
  readonly slots: SubscriptionSlots;
  readonly log: Logger;
  /** Trusted documents: resolves a persisted id to its text, or refuses what no manifest lists. */
  readonly resolveOperation?: ResolveOperation | undefined;
}

export interface SubscriptionServer {
  /** Open connections and subscriptions now (tests). */
  stats(): { connections: number; subscriptions: number };
  /** Refuses new connections, closes the open ones (1001) and waits until each is cleaned up. */
  close(): Promise<void>;
}

interface Connection {
  readonly id: string;
  readonly socket: WebSocket;
  viewer: Viewer | null;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Ends each subscription of this connection, by graphql-ws id. */
  readonly subscriptions: Map<string, { end: () => void }>;
}

interface Extra {
  readonly connection: Connection;
}

/** What onSubscribe hands on to graphql-ws's subscribe. */
interface OperationContext {
  readonly stream: OrderSubscriptionStream;
}

// setTimeout takes at most 2^31 - 1 ms (24.8 days); a longer token is checked again then.
const MAX_TIMER_MS = 2_147_483_647;
const CLOSE_GRACE_MS = 1_000;

/** WebSocket close reasons are at most 123 bytes of UTF-8. */
const closeReason = (text: string) => {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
};

export function attachSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { limits, metrics, executor, hub } = options;
  const log = options.log.child({ component: 'subscriptions' });
  const connections = new Set<Connection>();
  const cleanUps = new Set<Promise<void>>();
  const { slots } = options;
  let closing = false;
  // Errors that came back from the federated path already formatted, to send exactly as they came.
  const formatted = new WeakMap<object, GraphQLFormattedError>();
  const forGraphqlWs = (errors: readonly (GraphQLError | GraphQLFormattedError)[]): GraphQLError[] =>
    errors.map((error) => {
      const json = 'toJSON' in error && typeof error.toJSON === 'function' ? error.toJSON() : (error as GraphQLFormattedError);
      const converted = new WsGraphQLError(json.message, { path: json.path, extensions: json.extensions });
      formatted.set(converted, json);
      return converted;
    });

  const refuse = (reason: string, errors: readonly (GraphQLError | GraphQLFormattedError)[]) => {
    metrics.refused.inc({ reason });
    return forGraphqlWs(errors);
  };

  const graphqlWs = makeServer<Record<string, unknown>, Extra>({
    connectionInitWaitTimeout: limits.connectionInitTimeoutMs,

    async onConnect(ctx) {
      const { connection } = ctx.extra;
      const params = ctx.connectionParams ?? {};
      const authorization = params['authorization'] ?? params['Authorization'];
      if (authorization === undefined || authorization === null || authorization === '') return true; // anonymous: may not subscribe
      const closeWith = (code: number, reason: string, metric: string) => {
        metrics.refused.inc({ reason: metric });
        connection.socket.close(code, closeReason(reason));
        return false;
      };
      if (typeof authorization !== 'string') return closeWith(SubscriptionCloseCode.unauthorized, 'Unauthorized: TOKEN_MALFORMED', 'token_invalid');
      try {
        const { viewer, expiresAt } = await options.verify(authorization);
        if (expiresAt <= Date.now()) return closeWith(SubscriptionCloseCode.unauthorized, 'Unauthorized: TOKEN_EXPIRED', 'token_invalid');
        connection.viewer = viewer;
        scheduleExpiry(connection, expiresAt);
        return { expiresAt: new Date(expiresAt).toISOString() };
      } catch (error) {
        if (error instanceof HttpError && error.status === 401) {
          return closeWith(SubscriptionCloseCode.unauthorized, `Unauthorized: ${String(error.extensions['reason'] ?? error.code)}`, 'token_invalid');
        }
        if (error instanceof HttpError && error.status === 503) {
          return closeWith(SubscriptionCloseCode.tryAgainLater, 'Try again later: tokens cannot be verified now', 'auth_unavailable');
        }
        log.error({ err: error }, 'verifying a WebSocket token failed');
        return closeWith(CloseCode.InternalServerError, 'Internal server error', 'internal');
      }
    },

    async onSubscribe(ctx, id, payload) {
      const { connection } = ctx.extra;
      const schema = options.schema();
      if (!schema) return forGraphqlWs([graphQLError('SERVICE_UNAVAILABLE' as ErrorCode, 'The gateway is starting; try again shortly.')]);
      const resolved = options.resolveOperation?.(payload, ctx.connectionParams) ?? { ok: true, request: payload };
      if (!resolved.ok) return refuse('not_in_list', [graphQLError(resolved.code as ErrorCode, resolved.message)]);
      const request = resolved.request as typeof payload;
      const prepared = prepareOperation(schema, request);
      if (Array.isArray(prepared)) return forGraphqlWs(prepared);
      const base = { schema, document: prepared.document, operationName: request.operationName, variableValues: request.variables };
      const viewer = connection.viewer;

      if (prepared.kind === 'execution') {
        // Over HTTP they pass the request budget (rate limits, client IP); here they would not.
        return refuse('not_subscription', [
          graphQLError(ErrorCode.badRequest, 'Only subscriptions are served over the WebSocket; send queries and mutations over HTTP.'),
        ]);
      }

      if (!viewer) {
        return refuse('unauthenticated', [
          unauthenticated('Sign in to subscribe: send { authorization: "Bearer <token>" } in the connection_init payload.'),
        ]);
      }
      if (connection.subscriptions.size >= limits.maxPerConnection) {
        return refuse('per_connection', [
          graphQLError(SUBSCRIPTION_LIMIT_REACHED as ErrorCode, `At most ${limits.maxPerConnection} subscriptions per connection.`, { limit: 'SUBSCRIPTIONS_MAX_PER_CONNECTION' }),
        ]);
      }
      // The slot is taken from here until the subscription ends, whatever ends it.
      const userSlot = slots.take(viewer.id);
      if (!userSlot) {
        return refuse('per_user', [
          graphQLError(SUBSCRIPTION_LIMIT_REACHED as ErrorCode, `At most ${limits.maxPerUser} subscriptions per user at once.`, { limit: 'SUBSCRIPTIONS_MAX_PER_USER' }),
        ]);
      }
      let stream: OrderSubscriptionStream | undefined;
      let ended = false;
      let abandoned = false; // the client went away while the subscription was being checked
      const slot = {
        end: () => {
          if (stream) void stream.return();
          else {
            abandoned = true;
            release();
          }
        },
      };
      const release = () => {
        if (ended) return;
        ended = true;
        userSlot.release();
        if (connection.subscriptions.get(id) === slot) connection.subscriptions.delete(id);
      };
      connection.subscriptions.set(id, slot);

      try {
        const opened = await openOrderSubscription({ operation: prepared, viewer, hub, executor, log, onEnd: release });
        if (!opened.ok) return refuse('not_found', opened.errors);
        stream = opened.stream;
        // Gone meanwhile (socket closed, or the client completed): graphql-ws calls return() itself,
        // but a connection already cleaned up would not: end it here.
        // (A subscription that ended by itself, e.g. on a final status, still has its results to send.)
        if (abandoned || connection.socket.readyState !== connection.socket.OPEN) void stream.return();
        const context: OperationContext = { stream };
        return { ...base, contextValue: context };
      } catch (error) {
        release();
        log.error({ err: error }, 'opening a subscription failed');
        return forGraphqlWs([graphQLError(ErrorCode.internal, 'Internal server error.')]);
      }
    },

    subscribe: (args: ExecutionArgs) => (args.contextValue as OperationContext).stream as AsyncIterableIterator<ExecutionResult>,

    // Results come formatted from ApolloServer (errors masked there): sent as they are.
    onNext(_ctx, _id, _payload, _args, result) {
      recordDelivery(metrics, result);
      return result as FormattedExecutionResult;
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatted.get(error) ?? error.toJSON()),
  });

  // Every connection timer is counted (gateway_websocket_timers), so a leak shows as a gauge that never returns to 0.
  function clearExpiry(connection: Connection) {
    if (connection.expiryTimer === undefined) return;
    clearTimeout(connection.expiryTimer);
    connection.expiryTimer = undefined;
    metrics.timers.dec();
  }

  function scheduleExpiry(connection: Connection, expiresAt: number) {
    clearExpiry(connection);
    const remaining = expiresAt - Date.now();
    metrics.timers.inc();
    connection.expiryTimer = setTimeout(() => {
      connection.expiryTimer = undefined;
      metrics.timers.dec();
      if (Date.now() < expiresAt) return scheduleExpiry(connection, expiresAt);
      log.debug({ connectionId: connection.id }, 'token expired: closing the connection');
      // Closed first, so the subscriptions ended next send no `complete`: the client sees the close.
      connection.socket.close(SubscriptionCloseCode.tokenExpired, 'Token expired');
      for (const slot of [...connection.subscriptions.values()]) slot.end();
    }, Math.min(remaining, MAX_TIMER_MS));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, handleProtocols: (protocols) => handleProtocols(protocols) });

  function accept(socket: WebSocket) {
    const connection: Connection = { id: randomUUID(), socket, viewer: null, expiryTimer: undefined, subscriptions: new Map() };
    connections.add(connection);
    metrics.connections.inc();
    const connectionLog = log.child({ connectionId: connection.id });
    socket.on('error', (error) => connectionLog.debug({ err: error }, 'WebSocket error'));

    // Keep-alive: a ping every keepAliveMs. A client is dropped once nothing (pong or message) has
    // come from it for two periods; the check waits for the I/O already received (setImmediate), so
    // a busy event loop does not mistake an unread pong for a dead client.
    let lastHeard = Date.now();
    const heard = () => (lastHeard = Date.now());
    socket.on('pong', heard);
    socket.on('message', heard);
    if (limits.keepAliveMs > 0) metrics.timers.inc();
    const pinger =
      limits.keepAliveMs > 0
        ? setInterval(() => {
            setImmediate(() => {
              if (socket.readyState !== socket.OPEN) return;
              if (Date.now() - lastHeard > 2 * limits.keepAliveMs) {
                connectionLog.debug('nothing heard for two keep-alive periods: dropping the connection');
                socket.terminate();
                return;
              }
              socket.ping();
            });
          }, limits.keepAliveMs)
        : undefined;

    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data: Buffer) => {
            try {
              await handle(data.toString('utf8'));
            } catch (error) {
              if (socket.readyState !== socket.OPEN) return connectionLog.debug({ err: error }, 'message handling ended with the socket');
              connectionLog.error({ err: error }, 'handling a graphql-ws message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { connection },
    );

    socket.once('close', (code: number, reason: Buffer) => {
      if (pinger) {
        clearInterval(pinger);
        metrics.timers.dec();
      }
      clearExpiry(connection);
      const cleanUp = closed(code, reason.toString('utf8'))
        .catch((error: unknown) => connectionLog.error({ err: error }, 'cleaning up a connection failed'))
        .finally(() => {
          for (const slot of [...connection.subscriptions.values()]) slot.end();
          connections.delete(connection);
          metrics.connections.dec();
          cleanUps.delete(cleanUp);
        });
      cleanUps.add(cleanUp);
    });
  }

  const refuseUpgrade = (socket: Duplex, status: string, body: string, headers: Record<string, string> = {}) => {
    socket.on('error', () => {});
    const head = Object.entries({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${status}\r\n${head}\r\n${body}`);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== options.path) {
      refuseUpgrade(socket, '404 Not Found', JSON.stringify({ errors: [{ message: `No WebSocket endpoint at ${path}.`, extensions: { code: ErrorCode.notFound } }] }));
      return;
    }
    if (closing || connections.size >= limits.maxConnections) {
      metrics.refused.inc({ reason: closing ? 'stopping' : 'max_connections' });
      refuseUpgrade(
        socket,
        '503 Service Unavailable',
        JSON.stringify({ errors: [{ message: 'Too many WebSocket connections; try again later.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }),
        { 'retry-after': '5' },
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, accept);
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    stats: () => ({ connections: connections.size, subscriptions: slots.count() }),
    async close() {
      closing = true;
      options.httpServer.off('upgrade', onUpgrade);
      for (const connection of connections) connection.socket.close(SubscriptionCloseCode.goingAway, 'Going away');
      // A client that does not answer the close handshake is cut off after a grace period.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
      await Promise.race([waitForAll(), grace]);
      clearTimeout(timer);
      for (const connection of connections) connection.socket.terminate();
      await waitForAll();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };

  async function waitForAll() {
    // A socket that has not emitted 'close' yet has no clean-up registered: wait for both.
    while (connections.size > 0 || cleanUps.size > 0) {
      if (cleanUps.size > 0) await Promise.allSettled([...cleanUps]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
