import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { isReady, runHealthChecks, type HealthCheck } from '../health.ts';
import { ErrorCode, echoed, errorBody } from '../errors.ts';
import { sendJson } from './http-error.ts';
import { PortInUseError, portHolder } from './port-in-use.ts';

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
  /** The request's id, sent as `x-request-id` on every response, refusals and errors included (the gateway's). */
  readonly requestId?: (req: IncomingMessage) => string;
}

export interface HttpService {
  readonly server: Server;
  /** Resolves to the service's base URL (useful with port 0). */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then resolves. */
  close(): Promise<void>;
}

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
  const server = createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (closing) res.shouldKeepAlive = false;
    // Set before any route runs: whoever answers (a refusal before GraphQL, a 404, a crash) sends it.
    const requestId = options.requestId?.(req);
    if (requestId !== undefined) res.setHeader('x-request-id', requestId);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (!route) {
      sendJson(res, 404, errorBody(ErrorCode.notFound, `No route for ${echoed(path)}.`));
      return;
    }
    Promise.resolve(route(req, res)).catch((error: unknown) => {
      // The client gets a code and no stack; the log keeps the detail.
      options.log.error({ err: error, path, ...(requestId !== undefined ? { requestId } : {}) }, 'unhandled error while serving a request');
      sendJson(res, 500, errorBody(ErrorCode.internal, 'Internal server error.'));
    });
  });
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
