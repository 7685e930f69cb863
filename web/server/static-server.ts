import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, errorBody } from '../../common/errors.ts';
import { answerClientErrors } from '../../common/http/client-errors.ts';
import { sendJson, sendRefusal } from '../../common/http/http-error.ts';
import { requestPath } from '../../common/http/request-target.ts';
import { withSafetyNet } from '../../common/http/safety-net.ts';
import type { Logger } from '../../common/logger.ts';
import { parseTrustedProxies, type TrustedProxies } from '../../gateway/protection/client-ip.ts';
import { createGatewayProxy } from './gateway-proxy.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// The app talks only to its own origin; nothing may frame it.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

// Vite names built assets by content hash: a changed file is a new URL, so they may be cached for
// a year. Anything else (index.html above all) is revalidated, so a deploy is seen at once.
const cacheControlFor = (path: string) => (path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');

export interface StorefrontServerOptions {
  readonly distDir: string;
  readonly gatewayUrl: string;
  readonly log: Logger;
  /** A load balancer in front of the storefront, whose X-Forwarded-For and x-request-id are kept; none by default. */
  readonly trustedProxies?: TrustedProxies;
  /** Request bodies larger than this are refused (413), as at the gateway (MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
}

/**
 * Serves the built storefront and forwards `/graphql` (queries, mutations and streamed multipart
 * subscriptions) to the gateway, so the browser sees one origin: no CORS, and the gateway's CSRF
 * rule (a JSON content type or a preflight header) holds as it is.
 */
export function createStorefrontServer({ distDir, gatewayUrl, log, trustedProxies = parseTrustedProxies(''), maxBodyBytes = 1_000_000 }: StorefrontServerOptions) {
  const root = normalize(distDir + sep);

  const proxy = createGatewayProxy({ gatewayUrl, trustedProxies, maxBodyBytes, log });

  const serveFile = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const candidate = normalize(join(root, path));
    // requestPath refused dot segments already; this keeps any other way out of distDir a 404 too.
    const inside = candidate.startsWith(root);
    const file = inside ? await stat(candidate).catch(() => null) : null;
    // Client-side routes (/products/…, /orders/…) get the app; a missing asset is a 404.
    const target = file?.isFile() ? candidate : inside && extname(path) === '' ? join(root, 'index.html') : null;
    if (!target) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('Not found');
      return;
    }
    const served = target === candidate ? path : '/index.html';
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream', 'cache-control': cacheControlFor(served), ...SECURITY_HEADERS });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(createReadStream(target), res).catch((error: unknown) => {
      // A browser that left mid-file is no failure of ours; anything else is the safety net's 500.
      if (!res.writableFinished && res.destroyed && req.destroyed) return;
      throw error;
    });
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const target = requestPath(req.url);
    if ('refused' in target) {
      // As GraphQL's error shape where the path was meant for /graphql; as text for a page.
      if (req.url?.startsWith('/graphql')) return sendJson(res, 400, errorBody(ErrorCode.badRequest, target.refused));
      return sendRefusal(res, 400, 'Bad request', { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    }
    const { path } = target;
    if (path === '/graphql') return proxy(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendRefusal(res, 405, '', { allow: 'GET, HEAD' });
    if (path === '/health/live' || path === '/health/ready') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return serveFile(req, res, path);
  };
  // Whatever a request throws is its 500, never the process's end; the log line gets the storefront's
  // own request id (a browser's x-request-id is not believed).
  const server = createServer(withSafetyNet(route, { log, requestId: () => randomUUID() }));
  answerClientErrors(server, log);

  return {
    server,
    listen(port: number, host: string): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${bound}`);
        });
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        proxy.close();
      });
    },
  };
}
