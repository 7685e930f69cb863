import { ErrorCode } from '../../common/errors.ts';
import { HttpError, sendHttpError } from '../../common/http/http-error.ts';
import type { RequestHandler } from '../../common/http/service-server.ts';
import type { GatewayFeature } from '../feature.ts';

// What a page on another site can make a browser send without asking first (a "simple" request:
// a form post, an <img>, a navigation): these content types, and no header of its own choosing.
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
// Apollo's recommended headers: any non-simple header makes the browser preflight the request.
const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'] as const;

/**
 * CSRF prevention, the rule of Apollo Server's `csrfPrevention` applied to every method but the
 * safe ones: a POST must be one a browser would preflight (a content type other than the simple
 * ones, such as application/json, or a preflight header); a cross-site form post is refused before
 * anything reads it. GET (queries only: Apollo refuses mutations over GET) passes, so urql's GET
 * and CDN-cached queries work: identity travels only in the Authorization header, which a
 * cross-site simple request cannot carry, so such a GET runs as an anonymous caller.
 */
export function withCsrfPrevention(handler: RequestHandler): RequestHandler {
  return (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return handler(req, res);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
    const simple = contentType === '' || SIMPLE_CONTENT_TYPES.has(contentType);
    const preflighted = PREFLIGHT_HEADERS.some((header) => (req.headers[header]?.length ?? 0) > 0);
    if (simple && !preflighted) {
      req.resume();
      return sendHttpError(
        res,
        new HttpError(
          400,
          ErrorCode.badRequest,
          `This request has been blocked as a potential cross-site request forgery: send Content-Type: application/json, or a non-empty ${PREFLIGHT_HEADERS.join(' or ')} header.`,
        ),
      );
    }
    return handler(req, res);
  };
}

/** CSRF prevention in front of every transport on /graphql. Always on. */
export function createCsrfPrevention(): GatewayFeature {
  return { name: 'csrf-prevention', http: withCsrfPrevention };
}
