import type { Envelope } from './envelope.ts';

export type MessageHandler = (message: Envelope) => Promise<void>;

export interface ConsumeOptions {
  /** Messages in flight per consumer. Default 10. */
  readonly prefetch?: number;
  /** Deliveries before a failing message goes to the dead-letter queue. Default 5. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 200 ms. */
  readonly retryDelayMs?: number;
  /**
   * A queue of this consumer's own, for per-instance fan-out (e.g. each gateway replica hears every
   * event): it exists only while this consumer does (RabbitMQ: exclusive, auto-delete, not durable;
   * its retry and dead-letter queues too), is deleted by cancel() or when the connection ends, and
   * keeps nothing published before consume() or while it is gone. The name must be unique: a name
   * already in use is refused. Default false.
   */
  readonly transient?: boolean;
}

export interface Consumer {
  /** Stops consuming; messages in flight finish first. The queue and its messages stay (a transient queue goes). */
  cancel(): Promise<void>;
}

/**
 * The broker as the services see it: a topic exchange, durable queues, manual acks, retries with
 * backoff and a dead-letter queue per consumer queue. RabbitMQ (amqplib) in production; an
 * in-process bus with the same semantics for the embedded default. Both pass the same contract
 * tests.
 */
export interface MessageBus {
  /** Resolves once the broker has durably accepted the message (publisher confirms). */
  publish(message: Envelope): Promise<void>;
  /**
   * Declares the durable queue `queue` bound to topic patterns (`*` one word, `#` any) and
   * consumes it. The handler's success acks; a throw retries with backoff, and after
   * `maxAttempts` the message moves to the queue's dead-letter queue and the queue goes on.
   * Messages published while no consumer runs wait in the queue.
   */
  consume(queue: string, bindings: readonly string[], handler: MessageHandler, options?: ConsumeOptions): Promise<Consumer>;
  /** Messages currently in `queue`'s dead-letter queue (operations and tests). */
  deadLetters(queue: string): Promise<Envelope[]>;
  /** Throws when the broker is unreachable (readiness). */
  healthCheck(): Promise<void>;
  close(): Promise<void>;
}
