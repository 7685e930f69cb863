// AMQP message properties: how an Envelope is published, how a delivery is copied to a retry or dead
// queue, and how a dead letter reads back. amqplib types every property as `any`; they are narrowed here.
import type { Message, Options } from 'amqplib';
import { decodeEnvelope, MalformedMessageError } from './envelope-codec.ts';
import type { Envelope } from './envelope.ts';

/** Delivery attempt this copy is for (absent: 1). Ours, because x-death counts differ across RabbitMQ versions. */
export const ATTEMPT_HEADER = 'x-attempt';
/** Why the message reached the dead-letter queue (the handler's error, or why it is not an Envelope). */
export const ERROR_HEADER = 'x-error';
/** ISO time it reached the dead-letter queue. */
export const DEAD_LETTERED_AT_HEADER = 'x-dead-lettered-at';
/** The routing key it was published with (a retried copy arrives with the queue's name instead). */
export const ROUTING_KEY_HEADER = 'x-routing-key';

/** `type` of what deadLetters() reports for a dead letter that is not an Envelope. */
export const MALFORMED_MESSAGE_TYPE = 'MalformedMessage';

/** Headers values are kept short: amqplib refuses header tables over 64 KiB. */
const MAX_HEADER_TEXT = 1_000;

export type HeaderValue = string | number;

export function publishOptions(envelope: Envelope): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    messageId: envelope.id,
    type: envelope.type,
    timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
    headers: { ...envelope.headers },
  };
}

/**
 * The properties of a copy of `message` (to a retry or the dead-letter queue) with `headers` added.
 * RabbitMQ's own death headers are dropped (they only grow), and so is `userId`, which the broker
 * checks against the connection's user.
 */
export function copyOptions(message: Message, headers: Record<string, HeaderValue>, expirationMs?: number): Options.Publish {
  const { properties } = message;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties.headers ?? {})) {
    if (name !== 'x-death' && !name.startsWith('x-first-death-') && !name.startsWith('x-last-death-')) kept[name] = value;
  }
  return {
    persistent: true,
    contentType: text(properties.contentType),
    contentEncoding: text(properties.contentEncoding),
    messageId: text(properties.messageId),
    type: text(properties.type),
    correlationId: text(properties.correlationId),
    appId: text(properties.appId),
    timestamp: typeof properties.timestamp === 'number' ? properties.timestamp : undefined,
    headers: { ...kept, ...headers },
    ...(expirationMs === undefined ? {} : { expiration: String(expirationMs) }),
  };
}

export function attemptOf(message: Message): number {
  const attempt: unknown = message.properties.headers?.[ATTEMPT_HEADER];
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

export function errorText(error: unknown): string {
  const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return description.length > MAX_HEADER_TEXT ? `${description.slice(0, MAX_HEADER_TEXT)}…` : description;
}

/**
 * A message of a dead-letter queue as deadLetters() reports it: the Envelope, or for a body that is
 * not one, an Envelope of type MalformedMessage whose payload holds the raw body and the reason.
 */
export function deadLetterEnvelope(message: Message): Envelope {
  try {
    return decodeEnvelope(message.content);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    const headers = message.properties.headers ?? {};
    return {
      id: text(message.properties.messageId) ?? '',
      type: MALFORMED_MESSAGE_TYPE,
      routingKey: text(headers[ROUTING_KEY_HEADER]) ?? message.fields.routingKey,
      payload: { error: text(headers[ERROR_HEADER]) ?? error.message, body: message.content.toString('utf8') },
      occurredAt: text(headers[DEAD_LETTERED_AT_HEADER]) ?? new Date(0).toISOString(),
      headers: {},
    };
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8'); // AMQP long strings may arrive as bytes
  return undefined;
}
