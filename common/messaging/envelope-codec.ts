// What crosses a process boundary is JSON, so both buses and the outbox check the same Envelope shape:
// at publish (a producer bug fails in the producer, not in every consumer) and at delivery (anything
// else on the exchange, e.g. a hand-published message, is refused before a handler sees it).
import { z } from 'zod';
import type { Envelope } from './envelope.ts';

/** A JSON value as it survives `JSON.stringify` / `JSON.parse` unchanged (no Dates, no `undefined`). */
export type JsonValue = z.infer<ReturnType<typeof z.json>>;

const envelopeSchema = z.object({
  id: z.uuid(), // inboxes store it in a `@db.Uuid` column
  type: z.string().min(1),
  routingKey: z.string().min(1).max(255), // AMQP's shortstr
  payload: z.json(),
  occurredAt: z.iso.datetime({ offset: true }),
  headers: z.record(z.string(), z.string()),
});

/** The value is not an Envelope (or not JSON at all); retrying cannot help, so it is dead-lettered at once. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** Returns the Envelope with unknown keys dropped, or throws MalformedMessageError saying what is wrong. */
export function parseEnvelope(value: unknown): Envelope<JsonValue> {
  const result = envelopeSchema.safeParse(value);
  if (!result.success) throw new MalformedMessageError(`not an Envelope: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** The message body: the whole Envelope as UTF-8 JSON. Throws MalformedMessageError for an invalid Envelope. */
export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(parseEnvelope(envelope)), 'utf8');
}

export function decodeEnvelope(body: Uint8Array | string): Envelope<JsonValue> {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    throw new MalformedMessageError('not JSON');
  }
  return parseEnvelope(value);
}
