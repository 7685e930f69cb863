// Where OrderStatusChanged events reach this gateway instance: a transient queue of its own on the
// broker (exclusive, auto-delete, bound to `orders.order-status-changed`), so every replica hears
// every event whichever replica or service caused it; in memory from there to the subscriptions
// of that order. The queue lives as long as the gateway: it is not per client.
import { randomUUID } from 'node:crypto';
import { OrderStatusChanged, SagaRoutes } from '../../common/contracts/order-saga.ts';
import type { Logger } from '../../common/logger.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import type { Consumer, MessageBus } from '../../common/messaging/message-bus.ts';

export interface OrderStatusEvent extends OrderStatusChanged {
  /** The message id (a redelivery keeps it). */
  readonly id: string;
}

export type OrderStatusListener = (event: OrderStatusEvent) => void;

export interface OrderStatusHub {
  /** This instance's queue name (before the bus's prefix). */
  readonly queue: string;
  start(): Promise<void>;
  /** Calls `listener` for each status change of `orderId` (lower-case), at once and in arrival order. */
  listen(orderId: string, listener: OrderStatusListener): () => void;
  /** Listeners registered now (tests, metrics). */
  listenerCount(): number;
  stop(): Promise<void>;
}

export interface OrderStatusHubOptions {
  readonly bus: MessageBus;
  readonly log: Logger;
  /** Defaults to `gateway.subscriptions.<random uuid>`. */
  readonly queue?: string;
}

/** Message ids remembered to drop redeliveries (at-least-once delivery). */
const REMEMBERED_IDS = 10_000;

export function createOrderStatusHub({ bus, log: parentLog, queue = `gateway.subscriptions.${randomUUID()}` }: OrderStatusHubOptions): OrderStatusHub {
  const log = parentLog.child({ component: 'order-status-hub', queue });
  const listeners = new Map<string, Set<OrderStatusListener>>();
  const seen = new Set<string>();
  let count = 0;
  let consumer: Consumer | undefined;

  const dispatch = async (message: Envelope) => {
    const parsed = OrderStatusChanged.safeParse(message.payload);
    if (!parsed.success) {
      log.warn({ messageId: message.id, issues: parsed.error.issues }, 'ignored an OrderStatusChanged that does not match its contract');
      return;
    }
    if (seen.has(message.id)) return;
    seen.add(message.id);
    if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string);
    const forOrder = listeners.get(parsed.data.orderId.toLowerCase());
    if (!forOrder) return;
    const event: OrderStatusEvent = { ...parsed.data, id: message.id };
    for (const listener of [...forOrder]) {
      try {
        listener(event);
      } catch (error) {
        log.error({ err: error, messageId: message.id }, 'a subscription listener failed');
      }
    }
  };

  return {
    queue,
    async start() {
      if (consumer) return;
      // Listeners only queue the event, so the handler is quick; maxAttempts 1: it never throws anyway.
      consumer = await bus.consume(queue, [SagaRoutes.orderStatusChanged], dispatch, { transient: true, prefetch: 500, maxAttempts: 1 });
      log.debug('consuming order status changes');
    },
    listen(orderId, listener) {
      const key = orderId.toLowerCase();
      let forOrder = listeners.get(key);
      if (!forOrder) {
        forOrder = new Set();
        listeners.set(key, forOrder);
      }
      forOrder.add(listener);
      count += 1;
      let listening = true;
      return () => {
        if (!listening) return;
        listening = false;
        count -= 1;
        forOrder.delete(listener);
        if (forOrder.size === 0 && listeners.get(key) === forOrder) listeners.delete(key);
      };
    },
    listenerCount: () => count,
    async stop() {
      const current = consumer;
      consumer = undefined;
      await current?.cancel();
    },
  };
}
