// How a subscription's results are written on a streaming HTTP response, per protocol:
//
// - Apollo's multipart protocol (Apollo Client, Kotlin, iOS; the GraphOS Router):
//   `Accept: multipart/mixed;subscriptionSpec="1.0"`. Parts `{"payload": result}`, `{}` heartbeats,
//   a fatal `{"payload": null, "errors": [...]}`, then `--graphql--`. Framed as the Router frames it:
//   every part is followed at once by the next delimiter, so a client (Apollo Client splits on
//   delimiters) handles a part when it arrives, not when the next one does.
// - GraphQL over Server-Sent Events, distinct connections mode (graphql-sse; Hive Gateway, Yoga, urql):
//   `Accept: text/event-stream`. `next` events with results, comment lines as heartbeats, a fatal
//   error as a `next` with `errors`, then `complete`. Problems found before streaming (an invalid
//   operation, someone else's entity) also go through the stream, as the protocol asks.
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { parseAccept, preferred, type MediaOffer } from '../http/accept.ts';

export interface HttpStreamFraming {
  /** For logs and metrics. */
  readonly name: 'multipart' | 'sse';
  readonly contentType: string;
  /** The first chunk's text for this result, or a later one's. */
  result(result: FormattedExecutionResult, first: boolean): string;
  heartbeat(first: boolean): string;
  /** A fatal error: the stream ends after it. */
  fatal(error: GraphQLFormattedError, first: boolean): string;
  /** The end of the stream. */
  end(first: boolean): string;
  /** Whether GraphQL errors found before streaming (validation, not found) go through the stream rather than as a JSON response. */
  readonly errorsInStream: boolean;
}

const DELIMITER = '\r\n--graphql';
const PART_HEAD = '\r\ncontent-type: application/json\r\n\r\n';
const part = (body: unknown, first: boolean) => `${first ? DELIMITER : ''}${PART_HEAD}${JSON.stringify(body)}${DELIMITER}`;

export const multipartFraming: HttpStreamFraming = {
  name: 'multipart',
  contentType: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
  result: (result, first) => part({ payload: result }, first),
  heartbeat: (first) => part({}, first),
  fatal: (error, first) => part({ payload: null, errors: [error] }, first),
  end: (first) => `${first ? DELIMITER : ''}--\r\n`,
  errorsInStream: false,
};

const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

export const eventStreamFraming: HttpStreamFraming = {
  name: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  result: (result) => event('next', JSON.stringify(result)),
  heartbeat: () => ':\n\n',
  fatal: (error) => event('next', JSON.stringify({ errors: [error] })),
  // An empty data field, or EventSource would not fire the listener.
  end: () => event('complete', ''),
  errorsInStream: true,
};

const streamOffers = [
  { framing: multipartFraming, type: 'multipart', subtype: 'mixed', requiredParams: { subscriptionSpec: '1.0' } },
  { framing: eventStreamFraming, type: 'text', subtype: 'event-stream', explicitOnly: true },
] as const;
const jsonOffers: MediaOffer[] = [
  { type: 'application', subtype: 'graphql-response+json' },
  { type: 'application', subtype: 'json' },
];

export type OperationType = 'query' | 'mutation' | 'subscription';

/**
 * How a POST to /graphql is answered, negotiated from its Accept header (preference order and
 * q-values) and its operation: undefined for a plain GraphQL response (Apollo Server then picks
 * application/graphql-response+json or application/json), or the stream framing the client
 * prefers. A subscription streams if the client accepts a stream at all; a query or mutation is a
 * plain response whenever the client accepts JSON (urql lists text/event-stream on every request),
 * and goes to the stream handler (which refuses it, or sends its errors as the stream protocol
 * asks) only when the client accepts nothing but a stream. `operationType` is undefined when the
 * body names no runnable operation.
 */
export function responseFramingFor(accept: string | undefined, operationType: OperationType | undefined): HttpStreamFraming | undefined {
  const ranges = parseAccept(accept);
  const stream = preferred(ranges, streamOffers)?.framing;
  if (operationType === 'subscription') return stream;
  const acceptsJson = ranges.length === 0 || preferred(ranges, jsonOffers) !== undefined;
  return acceptsJson ? undefined : stream;
}
