// The message catalogue's building blocks. Every message is defined once (common/contracts/messages/):
// its routing key, its type (derived from the key, so the two cannot disagree) and the zod schema of
// its payload. Publishing (outbox-publisher.ts) and consuming (consumer.ts) both go through the
// definition, so a payload is checked where it is made and typed where it is handled.
import { z } from 'zod';
import { createEnvelope, type Envelope } from './envelope.ts';

export interface MessageDefinition<TSchema extends z.ZodType = z.ZodType> {
  /** Topic routing key, `<owner>.<kebab-type>`: the owner is the service that handles a command or publishes an event. */
  readonly route: string;
  /** `Envelope.type`: the route's kebab-type in PascalCase (`orders.order-placed` -> `OrderPlaced`). */
  readonly type: string;
  readonly schema: TSchema;
  /**
   * The conversation the message belongs to (an order's saga, a checkout), sent as `correlation-id`.
   * A message without one carries its cause's. (Method syntax: definitions of any payload fit `MessageDefinition`.)
   */
  correlate?(payload: z.output<TSchema>): string;
}

/** What a handler receives: the payload once the schema has parsed it. */
export type PayloadOf<M extends MessageDefinition> = z.output<M['schema']>;
/** What a publisher gives: the payload before parsing (the same unless the schema transforms). */
export type PayloadInput<M extends MessageDefinition> = z.input<M['schema']>;

const ROUTE = /^[a-z][a-z0-9]*\.([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;

/** Defines one message; the type is derived from the route. */
export function defineMessage<TSchema extends z.ZodType>(
  route: string,
  schema: TSchema,
  options: { correlate?: (payload: z.output<TSchema>) => string } = {},
): MessageDefinition<TSchema> {
  const kebab = ROUTE.exec(route)?.[1];
  if (kebab === undefined) throw new Error(`message route ${JSON.stringify(route)} is not <owner>.<kebab-type>`);
  const type = kebab
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return Object.freeze({ route, type, schema, ...(options.correlate ? { correlate: options.correlate } : {}) });
}

/** The service that owns a message: its route's first word. */
export const ownerOf = (message: MessageDefinition): string => message.route.slice(0, message.route.indexOf('.'));

/**
 * The messages grouped by owner, in the order of `services` (owners without messages left out). A
 * message owned by none of them is refused: its route would name a service that does not exist.
 */
export function messagesByOwner(messages: readonly MessageDefinition[], services: readonly string[]): Readonly<Record<string, readonly MessageDefinition[]>> {
  const stray = messages.filter((message) => !services.includes(ownerOf(message)));
  if (stray.length > 0) throw new Error(`messages owned by no registered service: ${stray.map((message) => message.route).join(', ')}`);
  return Object.fromEntries(services.map((service) => [service, messages.filter((message) => ownerOf(message) === service)] as const).filter(([, owned]) => owned.length > 0));
}

/** A payload its message's schema refuses: a producer bug, reported where it happens. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

/** The payload as its schema parses it, or InvalidMessageError naming the message and what is wrong. */
export function parsePayload<M extends MessageDefinition>(message: M, payload: unknown): PayloadOf<M> {
  const result = message.schema.safeParse(payload);
  if (!result.success) throw new InvalidMessageError(`invalid ${message.type} payload: ${z.prettifyError(result.error)}`);
  return result.data as PayloadOf<M>; // M is generic here: tsc cannot see that the schema's output is PayloadOf<M>
}

/**
 * What caused the work that publishes a message, carried on as the message's headers: the request a
 * resolver serves (`{ requestId }`), or the message a handler handles (`causeOf(message)`).
 */
export interface MessageCause {
  /** `x-request-id`: the request the work serves, or the id of the message that started it. */
  readonly requestId: string;
  /** `correlation-id` of the cause, for messages whose definition names no conversation of their own. */
  readonly correlationId?: string;
  /** The cause's W3C trace headers: carried on when this process has no span of its own to propagate. */
  readonly trace?: Readonly<Record<string, string>>;
}

const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/** The cause a message hands on to the messages its handling publishes. */
export function causeOf(message: Envelope): MessageCause {
  const trace = Object.fromEntries(TRACE_HEADERS.flatMap((name) => (message.headers[name] === undefined ? [] : [[name, message.headers[name]]])));
  const correlationId = message.headers['correlation-id'];
  return { requestId: message.headers['x-request-id'] ?? message.id, ...(correlationId ? { correlationId } : {}), trace };
}

/**
 * The one place a message's headers are made: `x-request-id` from the cause, `correlation-id` from the
 * definition (else the cause's), and the active span's `traceparent` (else the cause's).
 */
export function messageHeaders<M extends MessageDefinition>(message: M, payload: PayloadOf<M>, cause: MessageCause): Record<string, string> {
  const correlationId = message.correlate?.(payload) ?? cause.correlationId;
  // createEnvelope then puts the active span's trace headers over the carried ones.
  return { ...cause.trace, 'x-request-id': cause.requestId, ...(correlationId ? { 'correlation-id': correlationId } : {}) };
}

/** A new Envelope of `message`: the payload checked by its schema (InvalidMessageError), the headers from `cause`. */
export function createMessage<M extends MessageDefinition>(message: M, payload: PayloadInput<M>, cause: MessageCause): Envelope<PayloadOf<M>> {
  const parsed = parsePayload(message, payload);
  return createEnvelope(message.route, message.type, parsed, messageHeaders(message, parsed, cause));
}

/** An Envelope of `message` with exactly these headers (tests, tools): the payload is still checked. */
export function envelopeOf<M extends MessageDefinition>(message: M, payload: PayloadInput<M>, headers: Record<string, string> = {}): Envelope<PayloadOf<M>> {
  return createEnvelope(message.route, message.type, parsePayload(message, payload), headers);
}
