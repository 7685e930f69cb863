// Where the events that drive subscriptions reach this gateway instance: one transient queue of its
// own on the broker (exclusive, auto-delete), bound to every topic the supergraph's `@event` fields
// declare, so every replica hears every event whichever replica or service caused it; in memory from
// there to the subscriptions each event matches (a payload field equal to a value: the entity's id,
// or the subscriber's user id). The queue lives as long as the gateway: it is not per client.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { createTopicFollower } from '../topic-follower.ts';

export interface HubEvent {
  /** The message id (a redelivery keeps it). */
  readonly id: string;
  readonly topic: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export type HubListener = (event: HubEvent) => void;

/** Which events a listener wants: those on `topic` whose payload field `field` equals `value` (compared lower-case). */
export interface HubMatch {
  readonly topic: string;
  readonly field: string;
  readonly value: string;
}

export interface EventHub {
  /** This instance's queue name (before the bus's prefix). */
  readonly queue: string;
  /** Consumes `topics` (again, when they changed since the last call). */
  consume(topics: readonly string[]): Promise<void>;
  /** Calls `listener` for each matching event, at once and in arrival order. */
  listen(match: HubMatch, listener: HubListener): () => void;
  /** Listeners registered now (tests, metrics). */
  listenerCount(): number;
  stop(): Promise<void>;
}

export interface EventHubOptions {
  readonly bus: MessageBus;
  readonly log: Logger;
  /** Defaults to `gateway.subscriptions.<random uuid>`. */
  readonly queue?: string;
}

/** Message ids remembered to drop redeliveries (at-least-once delivery). */
const REMEMBERED_IDS = 10_000;

const normalized = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' ? String(value).toLowerCase() : undefined);

export function createEventHub({ bus, log: parentLog, queue = `gateway.subscriptions.${randomUUID()}` }: EventHubOptions): EventHub {
  const log = parentLog.child({ component: 'event-hub', queue });
  // topic -> payload field -> value -> listeners
  const listeners = new Map<string, Map<string, Map<string, Set<HubListener>>>>();
  const seen = new Set<string>();
  let count = 0;
  const follower = createTopicFollower({ bus, queue, handler: (message) => dispatch(message), log });

  const dispatch = async (message: Envelope) => {
    const byField = listeners.get(message.routingKey);
    if (!byField) return;
    const payload = message.payload;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      log.warn({ messageId: message.id, routingKey: message.routingKey }, 'ignored an event whose payload is not an object');
      return;
    }
    if (seen.has(message.id)) return;
    seen.add(message.id);
    if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string);
    const event: HubEvent = { id: message.id, topic: message.routingKey, payload: payload as Record<string, unknown> };
    for (const [field, byValue] of byField) {
      const value = normalized(event.payload[field]);
      const matched = value === undefined ? undefined : byValue.get(value);
      for (const listener of matched ? [...matched] : []) {
        try {
          listener(event);
        } catch (error) {
          log.error({ err: error, messageId: message.id }, 'a subscription listener failed');
        }
      }
    }
  };

  return {
    queue,
    consume: (topics) => follower.follow(topics),
    listen({ topic, field, value }, listener) {
      const key = value.toLowerCase();
      let byField = listeners.get(topic);
      if (!byField) listeners.set(topic, (byField = new Map()));
      let byValue = byField.get(field);
      if (!byValue) byField.set(field, (byValue = new Map()));
      let set = byValue.get(key);
      if (!set) byValue.set(key, (set = new Set()));
      set.add(listener);
      count += 1;
      let listening = true;
      return () => {
        if (!listening) return;
        listening = false;
        count -= 1;
        set.delete(listener);
        if (set.size > 0 || byValue.get(key) !== set) return;
        byValue.delete(key);
        if (byValue.size > 0 || byField.get(field) !== byValue) return;
        byField.delete(field);
        if (byField.size === 0 && listeners.get(topic) === byField) listeners.delete(topic);
      };
    },
    listenerCount: () => count,
    stop: () => follower.stop(),
  };
}
