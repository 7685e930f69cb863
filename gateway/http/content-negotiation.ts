// Content negotiation on /graphql: a POST is answered as its operation and Accept header ask, as a
// plain GraphQL response (the Apollo handler, next) or as a stream (a subscription over multipart or
// Server-Sent Events, handed to the subscriptions' HTTP transport).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendHttpError } from '../../common/http/http-error.ts';
import { parseJsonBody, readBody } from '../../common/http/read-body.ts';
import type { GatewayFeature } from '../feature.ts';
import { responseFramingFor, type HttpStreamFraming } from '../subscriptions/http-stream-framing.ts';
import type { RequestPayload } from '../trusted-documents/decide.ts';
import { operationTypeOf } from './operation-type.ts';
import { rememberBody } from './request-body.ts';

export interface ContentNegotiationSettings {
  readonly maxBodyBytes: number;
  /** The parser's token limit, for reading the operation's type. */
  readonly maxTokens: number;
}

export interface ContentNegotiationDependencies {
  /** Serves a POST that asks for a stream; `body` is parsed already. */
  readonly stream: (req: IncomingMessage, res: ServerResponse, framing: HttpStreamFraming, body: unknown) => Promise<void>;
  /** Trusted documents: what would run for `body` (a manifest's text for an id), undefined when refused. */
  readonly runnablePayload?: ((body: unknown) => RequestPayload | undefined) | undefined;
}

/** Always on. */
export function createContentNegotiation({ maxBodyBytes, maxTokens }: ContentNegotiationSettings, { stream, runnablePayload }: ContentNegotiationDependencies): GatewayFeature {
  return {
    name: 'content-negotiation',
    http: (next) => async (req, res) => {
      if (req.method !== 'POST') return next(req, res);
      let body: unknown;
      try {
        body = parseJsonBody(await readBody(req, maxBodyBytes), req.headers['content-type']);
      } catch (error) {
        if (error instanceof HttpError) return sendHttpError(res, error);
        throw error;
      }
      // Trusted documents decide first: an id names its text, and a refused text is never parsed here.
      const runnable = runnablePayload ? runnablePayload(body) : body;
      const framing = responseFramingFor(req.headers.accept, operationTypeOf(runnable, maxTokens));
      if (framing) return stream(req, res, framing, body);
      rememberBody(req, body);
      return next(req, res);
    },
  };
}
