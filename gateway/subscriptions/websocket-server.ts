// graphql-ws (the graphql-transport-ws protocol) on the gateway's own HTTP server, at /graphql: the
// framing only (connections, close codes, keep-alive); the rules are the session's
// (subscription-session.ts), shared with the HTTP transports.
//
// Close codes (see docs/subscriptions.md, "orderStatusChanged"):
//   4401 Unauthorized       connection_init carried a bad token (reason: "Unauthorized: TOKEN_…"); not retried by graphql-ws clients
//   4403 Token expired      the connection's token reached its `exp`; graphql-ws clients reconnect (with fresh connectionParams)
//   4408                    no connection_init within SUBSCRIPTIONS_INIT_TIMEOUT_MS
//   1013 Try again later    tokens cannot be verified right now (the accounts key set is unreachable)
//   1001 Going away         the gateway is stopping
// Beyond SUBSCRIPTIONS_MAX_CONNECTIONS the upgrade itself is answered with HTTP 503.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ExecutionResult } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode, echoed, errorBody, graphQLError } from '../../common/errors.ts';
import { requestPath } from '../../common/http/request-target.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { SubscriptionLimits } from '../config.ts';
import type { SubscriptionStream } from './event-subscription.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { SubscriptionMetrics } from './subscription-metrics.ts';
import type { SubscriptionSessions } from './subscription-session.ts';
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

export { SUBSCRIPTION_LIMIT_REACHED } from './subscription-session.ts';

export interface SubscriptionServerOptions {
  readonly httpServer: Server;
  readonly path: string;
  readonly limits: SubscriptionLimits;
  /** Largest message a client may send (the HTTP body limit). */
  readonly maxPayloadBytes: number;
  readonly sessions: SubscriptionSessions;
  /** Connection and timer gauges. */
  readonly metrics: SubscriptionMetrics;
  /** The per-user budget (for stats), shared with the HTTP transports. */
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
  cancelExpiry: (() => void) | undefined;
  /** Ends each subscription of this connection, by graphql-ws id. */
  readonly subscriptions: Map<string, { end: () => void }>;
}

interface Extra {
  readonly connection: Connection;
}

/** What onSubscribe hands on to graphql-ws's subscribe. */
interface OperationContext {
  readonly stream: SubscriptionStream;
}

const CLOSE_GRACE_MS = 1_000;

/** WebSocket close reasons are at most 123 bytes of UTF-8. */
const closeReason = (text: string) => {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
};

export function attachSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { limits, metrics, sessions } = options;
  const log = options.log.child({ component: 'subscriptions' });
  const connections = new Set<Connection>();
  const cleanUps = new Set<Promise<void>>();
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

  const graphqlWs = makeServer<Record<string, unknown>, Extra>({
    connectionInitWaitTimeout: limits.connectionInitTimeoutMs,

    async onConnect(ctx) {
      const { connection } = ctx.extra;
      const params = ctx.connectionParams ?? {};
      const authorization = params['authorization'] ?? params['Authorization'];
      if (authorization === undefined || authorization === null || authorization === '') return true; // anonymous: may not subscribe
      const authenticated = await sessions.authenticate(authorization);
      if (authenticated.ok) {
        connection.viewer = authenticated.viewer;
        scheduleExpiry(connection, authenticated.expiresAt);
        return { expiresAt: new Date(authenticated.expiresAt).toISOString() };
      }
      if (authenticated.kind === 'invalid') connection.socket.close(SubscriptionCloseCode.unauthorized, closeReason(`Unauthorized: ${authenticated.reason}`));
      else if (authenticated.kind === 'unavailable') connection.socket.close(SubscriptionCloseCode.tryAgainLater, 'Try again later: tokens cannot be verified now');
      else connection.socket.close(CloseCode.InternalServerError, 'Internal server error');
      return false;
    },

    async onSubscribe(ctx, id, payload) {
      const { connection } = ctx.extra;
      const schema = sessions.schema();
      if (!schema) return forGraphqlWs([graphQLError(ErrorCode.serviceUnavailable, 'The gateway is starting; try again shortly.')]);
      const resolved = options.resolveOperation?.(payload, ctx.connectionParams) ?? { ok: true, request: payload };
      if (!resolved.ok) {
        sessions.refused('not_in_list');
        return forGraphqlWs([graphQLError(resolved.code, resolved.message)]);
      }
      const request = resolved.request as typeof payload;
      const prepared = sessions.prepare(schema, request);
      if (Array.isArray(prepared)) return forGraphqlWs(prepared);
      const base = { schema: schema.api, document: prepared.document, operationName: request.operationName, variableValues: request.variables };

      let stream: SubscriptionStream | undefined;
      let abandoned = false; // the client went away while the subscription was being checked
      const slot = {
        end: () => {
          if (stream) void stream.return();
          else abandoned = true;
        },
      };
      const perConnection = { open: connection.subscriptions.size };
      connection.subscriptions.set(id, slot);
      const forget = () => {
        if (connection.subscriptions.get(id) === slot) connection.subscriptions.delete(id);
      };
      try {
        const opened = await sessions.open({ request, prepared, viewer: connection.viewer, perConnection, onEnd: forget });
        if (!opened.ok) {
          forget();
          return forGraphqlWs(opened.errors);
        }
        stream = opened.stream;
        // Gone meanwhile (socket closed, or the client completed): graphql-ws calls return() itself,
        // but a connection already cleaned up would not: end it here.
        // (A subscription that ended by itself, e.g. on a final state, still has its results to send.)
        if (abandoned || connection.socket.readyState !== connection.socket.OPEN) void stream.return();
        const context: OperationContext = { stream };
        return { ...base, contextValue: context };
      } catch (error) {
        forget();
        log.error({ err: error }, 'opening a subscription failed');
        return forGraphqlWs([graphQLError(ErrorCode.internal, 'Internal server error.')]);
      }
    },

    subscribe: (args: ExecutionArgs) => (args.contextValue as OperationContext).stream as AsyncIterableIterator<ExecutionResult>,

    // Results come formatted from ApolloServer (errors masked there): sent as they are.
    onNext(_ctx, _id, _payload, _args, result) {
      sessions.delivered(result as FormattedExecutionResult);
      return result as FormattedExecutionResult;
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatted.get(error) ?? error.toJSON()),
  });

  function clearExpiry(connection: Connection) {
    connection.cancelExpiry?.();
    connection.cancelExpiry = undefined;
  }

  function scheduleExpiry(connection: Connection, expiresAt: number) {
    clearExpiry(connection);
    connection.cancelExpiry = sessions.watchExpiry(expiresAt, () => {
      connection.cancelExpiry = undefined;
      log.debug({ connectionId: connection.id }, 'token expired: closing the connection');
      // Closed first, so the subscriptions ended next send no `complete`: the client sees the close.
      connection.socket.close(SubscriptionCloseCode.tokenExpired, 'Token expired');
      for (const slot of [...connection.subscriptions.values()]) slot.end();
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, handleProtocols: (protocols) => handleProtocols(protocols) });

  function accept(socket: WebSocket) {
    const connection: Connection = { id: randomUUID(), socket, viewer: null, cancelExpiry: undefined, subscriptions: new Map() };
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
    const target = requestPath(req.url);
    if ('refused' in target) {
      refuseUpgrade(socket, '400 Bad Request', errorBody(ErrorCode.badRequest, target.refused));
      return;
    }
    if (target.path !== options.path) {
      refuseUpgrade(socket, '404 Not Found', errorBody(ErrorCode.notFound, `No WebSocket endpoint at ${echoed(target.path)}.`));
      return;
    }
    if (closing || connections.size >= limits.maxConnections) {
      sessions.refused(closing ? 'stopping' : 'max_connections');
      refuseUpgrade(
        socket,
        '503 Service Unavailable',
        JSON.stringify({ errors: [{ message: 'Too many WebSocket connections; try again later.', extensions: { code: ErrorCode.serviceUnavailable } }] }),
        { 'retry-after': '5' },
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, accept);
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    stats: () => ({ connections: connections.size, subscriptions: options.slots.count() }),
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
