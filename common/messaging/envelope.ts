import { randomUUID } from 'node:crypto';
import { withTraceContext } from '../telemetry/spans.ts';

/**
 * Every message on the bus, commands, replies and domain events alike. `id` is unique per
 * message and is what consumers' inboxes deduplicate on; a redelivery keeps the same id.
 */
export interface Envelope<TPayload = unknown> {
  readonly id: string;
  /** e.g. `OrderPlaced`, `ReserveStock`, `StockReserved`. */
  readonly type: string;
  /** Topic routing key, `<service>.<kebab-type>`, e.g. `orders.order-placed`. */
  readonly routingKey: string;
  readonly payload: TPayload;
  /** ISO-8601 time the message was created (not published). */
  readonly occurredAt: string;
  /** Carried context: `x-request-id`, `traceparent`, `correlation-id` (the order id for the saga). */
  readonly headers: Readonly<Record<string, string>>;
}

export function createEnvelope<TPayload>(routingKey: string, type: string, payload: TPayload, headers: Record<string, string> = {}): Envelope<TPayload> {
  // The creating span (a request's, or the handler's of the message that caused this one) becomes the
  // parent of the consumer's span, so a saga's messages stay in the trace of the request that began it.
  return { id: randomUUID(), type, routingKey, payload, occurredAt: new Date().toISOString(), headers: withTraceContext(headers) };
}
