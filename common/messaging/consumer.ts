// A consumer is data: its queue and a map from catalogue message to handler. The queue's bindings are
// the messages' routes; a delivery goes to the handler of its routing key with the payload parsed by
// that message's schema (a payload it refuses throws: retried, then dead-lettered, like any failure).
//
//   const shippingEvents = consumer({
//     queue: 'orders.shipping-events',
//     handlers: [on(OrderShipped, (event, message) => ...), on(OrderDelivered, (event, message) => ...)],
//   });
//   const running = await startConsumer(bus, log, shippingEvents);
import type { Logger } from '../logger.ts';
import { parsePayload, type MessageDefinition, type PayloadOf } from './catalogue.ts';
import type { Envelope } from './envelope.ts';
import type { ConsumeOptions, MessageBus, MessageHandler } from './message-bus.ts';

/** One entry of a consumer's map: a message and its handler. */
export interface MessageRoute {
  readonly message: MessageDefinition;
  /** Parses the payload with the message's schema, then runs the handler. */
  handle(message: Envelope): Promise<void>;
}

/** Handles `message`: the handler gets the parsed payload and the whole Envelope (id, headers: the cause of what it publishes). */
export function on<M extends MessageDefinition>(message: M, handle: (payload: PayloadOf<M>, envelope: Envelope) => Promise<void>): MessageRoute {
  return { message, handle: (envelope) => handle(parsePayload(message, envelope.payload), envelope) };
}

export interface ConsumerDefinition {
  readonly queue: string;
  readonly handlers: readonly MessageRoute[];
  /**
   * A message no handler takes (a binding left on the durable queue by an older version):
   * 'ignore' logs and acks it (events this consumer has no use for); 'retry' throws, so the bus
   * retries it and then dead-letters it (commands, which must not vanish). Default 'ignore'.
   */
  readonly unknown?: 'ignore' | 'retry';
  readonly options?: ConsumeOptions;
}

/** Checks the map (one handler per message) and returns it unchanged. */
export function consumer(definition: ConsumerDefinition): ConsumerDefinition {
  const routes = definition.handlers.map((route) => route.message.route);
  const repeated = routes.find((route, index) => routes.indexOf(route) !== index);
  if (repeated !== undefined) throw new Error(`consumer ${definition.queue} has two handlers for ${repeated}`);
  if (routes.length === 0) throw new Error(`consumer ${definition.queue} handles no message`);
  return definition;
}

/** The routing keys the consumer's queue is bound to. */
export const bindingsOf = (definition: ConsumerDefinition): string[] => definition.handlers.map((route) => route.message.route);

/** The bus handler that dispatches on the routing key. */
export function dispatcher(definition: ConsumerDefinition, log: Logger): MessageHandler {
  const byRoute = new Map(definition.handlers.map((route) => [route.message.route, route]));
  return async (message) => {
    const route = byRoute.get(message.routingKey);
    if (route) return route.handle(message);
    if (definition.unknown === 'retry') throw new Error(`${definition.queue} has no handler for ${message.routingKey}`);
    log.warn({ queue: definition.queue, routingKey: message.routingKey, messageId: message.id }, 'message with an unexpected routing key ignored');
  };
}

/** Consumes the definition's queue until `stop()`. */
export async function startConsumer(bus: MessageBus, log: Logger, definition: ConsumerDefinition): Promise<{ stop(): Promise<void> }> {
  const running = await bus.consume(definition.queue, bindingsOf(definition), dispatcher(definition, log), definition.options);
  return { stop: () => running.cancel() };
}

/** Starts several consumers, one after the other (a failure stops those already started). */
export async function startConsumers(bus: MessageBus, log: Logger, definitions: readonly ConsumerDefinition[]): Promise<{ stop(): Promise<void> }[]> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    for (const definition of definitions) started.push(await startConsumer(bus, log, definition));
  } catch (error) {
    await Promise.all(started.map((each) => each.stop()));
    throw error;
  }
  return started;
}
