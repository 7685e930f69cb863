import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { runAsRequest } from '../database/query-source.ts';
import { traceIncomingRequest } from '../telemetry/spans.ts';
import { HttpError, sendHttpError } from './http-error.ts';
import { parseJsonBody, readBody } from './read-body.ts';

export interface ApolloHandlerOptions<TContext extends BaseContext> {
  /** Builds the per-request context; may throw an HttpError to refuse the request before GraphQL runs. */
  readonly context: (req: IncomingMessage) => Promise<TContext>;
  readonly maxBodyBytes: number;
  /** The service's name on its request spans. */
  readonly service: string;
  /**
   * Sees the request first, before the context and before GraphQL parses anything: may rewrite it,
   * or refuse it by throwing an HttpError (the gateway's trusted documents).
   */
  readonly prepare?: (request: HTTPGraphQLRequest) => HTTPGraphQLRequest;
}

/** A POST body someone already read (and parsed), e.g. to route the request by its operation. */
export interface ReadBody {
  readonly parsed: unknown;
}

/** Serves an ApolloServer on a plain node:http request (Apollo Server 5 ships no HTTP framework binding). */
export function createApolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  options: ApolloHandlerOptions<TContext>,
): (req: IncomingMessage, res: ServerResponse, readBody?: ReadBody) => Promise<void> {
  return (req, res, alreadyRead) =>
    traceIncomingRequest(req, options.service, async (span) => {
      try {
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const body = alreadyRead ? alreadyRead.parsed : req.method === 'POST' ? parseJsonBody(await readBody(req, options.maxBodyBytes), req.headers['content-type']) : undefined;
        const url = new URL(req.url ?? '/', 'http://localhost');
        const received: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
        const httpGraphQLRequest = options.prepare ? options.prepare(received) : received;
        // Built before Apollo runs so that a refusal keeps its own status instead of Apollo's 500.
        const contextValue = await options.context(req);
        const response = await runAsRequest(() => server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => contextValue }));
        // Apollo's HeaderMap holds one string per name: several values (Set-Cookie) are joined by a
        // newline, which no header value may contain, and go out as one header line each.
        const responseHeaders: Record<string, string | string[]> = {};
        for (const [name, value] of response.headers) responseHeaders[name] = value.includes('\n') ? value.split('\n') : value;
        span.setAttribute('http.response.status_code', response.status ?? 200);
        res.writeHead(response.status ?? 200, responseHeaders);
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        span.setAttribute('http.response.status_code', error.status);
        return sendHttpError(res, error);
      }
    });
}
