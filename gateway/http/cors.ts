import type { RequestHandler } from '../../common/http/service-server.ts';

// What a browser app on another origin needs to call the gateway: its requests' headers (identity
// travels in Authorization; Apollo Client and urql may add their own), and the response headers it
// reads (budgets, the request id to quote in a bug report).
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'graphql-client-name',
  'graphql-client-version',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
].join(', ');
const EXPOSED_HEADERS = 'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id';
/** How long a browser may reuse a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE = '600';

/**
 * Cross-origin access for the origins on the allow-list (CORS_ORIGINS): preflights answered 204,
 * and actual responses carrying Access-Control-Allow-Origin (the caller's origin, never `*`) with
 * Vary: Origin and the exposed headers. No credentials mode: the gateway reads no cookie. An origin
 * not on the list gets no CORS header, so its browser keeps the response from it. With an empty
 * list the unit is absent: `handler` is returned as it is.
 */
export function withCors(origins: readonly string[], handler: RequestHandler): RequestHandler {
  if (origins.length === 0) return handler;
  const allowed = new Set(origins.map((origin) => origin.toLowerCase()));
  return (req, res) => {
    const origin = req.headers.origin;
    const permitted = origin !== undefined && allowed.has(origin.toLowerCase());
    res.setHeader('vary', 'Origin');
    if (req.method === 'OPTIONS') {
      req.resume();
      const preflight = permitted && req.headers['access-control-request-method'] !== undefined;
      res.writeHead(
        204,
        preflight
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-methods': ALLOWED_METHODS,
              'access-control-allow-headers': ALLOWED_HEADERS,
              'access-control-max-age': PREFLIGHT_MAX_AGE,
            }
          : { allow: ALLOWED_METHODS },
      );
      res.end();
      return;
    }
    if (permitted) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    return handler(req, res);
  };
}

/** Parses CORS_ORIGINS: comma-separated origins (`scheme://host[:port]`); `none` for none. Throws naming what is not an origin. */
export function parseOrigins(list: string): string[] {
  if (list.trim().toLowerCase() === 'none') return [];
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = entries.filter((entry) => {
    try {
      const url = new URL(entry);
      return !/^https?:$/.test(url.protocol) || url.origin !== entry.toLowerCase().replace(/\/$/, '');
    } catch {
      return true;
    }
  });
  if (invalid.length > 0) throw new Error(`not an origin (scheme://host[:port]): ${invalid.join(', ')}`);
  return entries.map((entry) => entry.toLowerCase().replace(/\/$/, ''));
}
