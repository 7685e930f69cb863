import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { isReady, runHealthChecks, type HealthCheck } from '../health.ts';
import { ErrorCode, echoed, errorBody } from '../errors.ts';
import { answerClientErrors } from './client-errors.ts';
import { sendJson } from './http-error.ts';
import { PortInUseError, portHolder } from './port-in-use.ts';
import { requestPath } from './request-target.ts';
import { withSafetyNet } from './safety-net.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServiceOptions {
  readonly log: Logger;
  readonly graphql: RequestHandler;
  /** A list, or a function giving the current one (a gateway's subgraphs change with its supergraph). */
  readonly health: readonly HealthCheck[] | (() => readonly HealthCheck[]);
  readonly metrics: Registry;
  /** Extra routes by path, e.g. the accounts service's JWKS. */
  readonly routes?: Readonly<Record<string, RequestHandler>>;
  /** How long close() lets in-flight requests finish before it cuts their connections. */
  readonly shutdownGraceMs: number;
  /** How long one readiness check may take before it reads as down (default DEFAULT_HEALTH_CHECK_TIMEOUT_MS). */
  readonly healthCheckTimeoutMs?: number;
  /** The request's id: sent as `x-request-id` on every response, refusals and errors included (the gateway's), and carried by the log line of a handler's failure (default: its x-request-id header, or a new one). */
  readonly requestId?: (req: IncomingMessage) => string;
}

export interface HttpService {
  readonly server: Server;
  /** Resolves to the service's base URL (useful with port 0). */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then resolves. */
  close(): Promise<void>;
}

// GraphQL over HTTP: GET (queries), POST, and OPTIONS for CORS preflights; health, metrics and the
// extra routes (JWKS) are read-only.
const GRAPHQL_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'];
const READ_METHODS = ['GET', 'HEAD'];

/** The HTTP surface every service shares: /graphql, /health/live, /health/ready, /metrics. */
export function createHttpService(options: HttpServiceOptions): HttpService {
  const routes: Record<string, RequestHandler> = {
    '/graphql': options.graphql,
    '/health/live': (_req, res) => sendJson(res, 200, JSON.stringify({ status: 'ok' })),
    '/health/ready': async (_req, res) => {
      const report = await runHealthChecks(typeof options.health === 'function' ? options.health() : options.health, options.healthCheckTimeoutMs);
      sendJson(res, isReady(report) ? 200 : 503, JSON.stringify(report));
    },
    '/metrics': async (_req, res) => {
      const body = await options.metrics.metrics();
      res.writeHead(200, { 'content-type': options.metrics.contentType });
      res.end(body);
    },
    ...options.routes,
  };

  // Responses in flight, so that close() can make their keep-alive connections end with them.
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const route = (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (closing) res.shouldKeepAlive = false;
    // Set before any route runs: whoever answers (a refusal before GraphQL, a 404, a crash) sends it.
    const requestId = options.requestId?.(req);
    if (requestId !== undefined) res.setHeader('x-request-id', requestId);
    const target = requestPath(req.url);
    if ('refused' in target) return sendJson(res, 400, errorBody(ErrorCode.badRequest, target.refused));
    const handler = routes[target.path];
    if (!handler) return sendJson(res, 404, errorBody(ErrorCode.notFound, `No route for ${echoed(target.path)}.`));
    const allowed = target.path === '/graphql' ? GRAPHQL_METHODS : READ_METHODS;
    if (!allowed.includes(req.method ?? '')) {
      return sendJson(res, 405, errorBody(ErrorCode.badRequest, `${echoed(req.method ?? '')} is not allowed on ${target.path}.`), { allow: allowed.join(', ') });
    }
    return handler(req, res);
  };
  // The client gets a code and no stack; the log keeps the detail, with the request's id.
  const server = createServer(withSafetyNet(route, { log: options.log, ...(options.requestId ? { requestId: options.requestId } : {}) }));
  answerClientErrors(server, options.log);
  // Keep-alive sockets from the gateway's fetch pool must not hold close() forever.
  server.keepAliveTimeout = 5_000;

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const refuse = (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EADDRINUSE') return reject(error);
          portHolder(port).then((holder) => reject(new PortInUseError(port, holder)), reject);
        };
        server.once('error', refuse);
        server.listen(port, host, () => {
          server.off('error', refuse);
          const address = server.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve(`http://${shownHost}:${address.port}`);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        closing = true;
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        // A request still running when the grace period ends is cut: a stop never hangs.
        const cutOff = setTimeout(() => {
          options.log.warn({ graceMs: options.shutdownGraceMs }, 'requests still in flight after the grace period: closing their connections');
          server.closeAllConnections();
        }, options.shutdownGraceMs);
        server.close((error) => {
          clearTimeout(cutOff);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
