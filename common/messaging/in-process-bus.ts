// The MessageBus of the embedded default (no AMQP_URL): RabbitMQ's semantics in memory, so services
// behave the same on a laptop as in production. Same contract tests as the AMQP bus.
//
// - A queue exists from its first consume() on, and keeps collecting messages for its bindings after
//   its consumers cancel; a message whose routing key matches no queue is dropped (as by an exchange).
// - Each delivery gets its own copy, decoded from the JSON body, as a consumer of RabbitMQ would.
// - A failed message waits (a timer, not the queue: later messages keep flowing) and then goes to the
//   back of its queue; after maxAttempts it moves to the queue's dead letters.
// - A transient queue (ConsumeOptions.transient) belongs to its one consumer: a name in use is refused,
//   and cancel() deletes the queue with its messages and dead letters.
// - Everything is lost when the process ends: it is a development bus, not a durable one.
import type { Logger } from '../logger.ts';
import { backoffDelay } from './backoff.ts';
import { assertConsumable, resolveConsumeOptions, type ResolvedConsumeOptions } from './consume-options.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.ts';
import type { Envelope } from './envelope.ts';
import { traceMessageHandling } from '../telemetry/spans.ts';
import type { ConsumeOptions, Consumer, MessageBus, MessageHandler } from './message-bus.ts';
import { topicMatches } from './topic-pattern.ts';

export interface InProcessBusOptions {
  readonly log: Logger;
}

interface QueuedMessage {
  readonly body: Buffer;
  /** 1 for the first delivery. */
  readonly attempt: number;
}

interface QueueConsumer {
  readonly handler: MessageHandler;
  readonly options: ResolvedConsumeOptions;
  readonly inFlight: Set<Promise<void>>;
}

interface Queue {
  readonly name: string;
  readonly patterns: Set<string>;
  readonly ready: QueuedMessage[];
  readonly dead: Buffer[];
  readonly consumers: QueueConsumer[];
  readonly transient: boolean;
  /** Round-robin position among consumers, like RabbitMQ between competing consumers. */
  next: number;
}

export function createInProcessBus({ log: parentLog }: InProcessBusOptions): MessageBus {
  const log = parentLog.child({ component: 'in-process-bus' });
  const queues = new Map<string, Queue>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const cancels = new Set<() => Promise<void>>();
  let closing: Promise<void> | undefined;

  const assertOpen = () => {
    if (closing) throw new Error('The message bus is closed');
  };

  function pump(queue: Queue): void {
    while (queue.ready.length > 0) {
      const consumer = nextConsumerWithCapacity(queue);
      if (!consumer) return;
      const message = queue.ready.shift();
      if (message) deliver(queue, consumer, message);
    }
  }

  function nextConsumerWithCapacity(queue: Queue): QueueConsumer | undefined {
    for (let i = 0; i < queue.consumers.length; i += 1) {
      const index = (queue.next + i) % queue.consumers.length;
      const consumer = queue.consumers[index];
      if (consumer && consumer.inFlight.size < consumer.options.prefetch) {
        queue.next = index + 1;
        return consumer;
      }
    }
    return undefined;
  }

  function deliver(queue: Queue, consumer: QueueConsumer, message: QueuedMessage): void {
    const task = (async () => {
      await Promise.resolve(); // never run a handler inside publish() or consume()
      const envelope = decodeEnvelope(message.body);
      try {
        await traceMessageHandling(queue.name, envelope, 'in-process', () => consumer.handler(envelope));
      } catch (error) {
        failed(queue, consumer.options, message, envelope, error);
      }
    })()
      .catch((error: unknown) => log.error({ err: error, queue: queue.name }, 'delivery failed'))
      .finally(() => {
        consumer.inFlight.delete(task);
        pump(queue);
      });
    consumer.inFlight.add(task);
  }

  function failed(queue: Queue, options: ResolvedConsumeOptions, message: QueuedMessage, envelope: Envelope, error: unknown): void {
    const context = { err: error, queue: queue.name, messageId: envelope.id, type: envelope.type, attempt: message.attempt };
    if (message.attempt >= options.maxAttempts) {
      log.error(context, 'message failed on its last attempt: moved to the dead-letter queue');
      queue.dead.push(message.body);
      return;
    }
    const delayMs = backoffDelay(message.attempt, options.retryDelayMs);
    log.warn({ ...context, delayMs }, 'handler failed: retrying later');
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      if (queues.get(queue.name) !== queue) return; // a transient queue deleted meanwhile
      queue.ready.push({ body: message.body, attempt: message.attempt + 1 });
      pump(queue);
    }, delayMs);
    retryTimers.add(timer);
  }

  function declare(name: string, bindings: readonly string[], transient: boolean): Queue {
    let queue = queues.get(name);
    if (queue && (transient || queue.transient)) {
      throw new Error(`Queue ${name} is in use: a transient queue belongs to one consumer and its name to nothing else`);
    }
    if (!queue) {
      queue = { name, patterns: new Set(), ready: [], dead: [], consumers: [], transient, next: 0 };
      queues.set(name, queue);
    }
    for (const pattern of bindings) queue.patterns.add(pattern);
    return queue;
  }

  return {
    async publish(message) {
      assertOpen();
      const body = encodeEnvelope(message);
      for (const queue of queues.values()) {
        if ([...queue.patterns].some((pattern) => topicMatches(pattern, message.routingKey))) {
          queue.ready.push({ body, attempt: 1 });
          pump(queue);
        }
      }
    },

    async consume(name: string, bindings: readonly string[], handler: MessageHandler, options?: ConsumeOptions): Promise<Consumer> {
      assertOpen();
      assertConsumable(name, bindings);
      const consumer: QueueConsumer = { handler, options: resolveConsumeOptions(options), inFlight: new Set() };
      const queue = declare(name, bindings, consumer.options.transient);
      queue.consumers.push(consumer);
      let cancelling: Promise<void> | undefined;
      const cancel = () =>
        (cancelling ??= (async () => {
          queue.consumers.splice(queue.consumers.indexOf(consumer), 1);
          if (queue.transient && queues.get(name) === queue) queues.delete(name);
          while (consumer.inFlight.size > 0) await Promise.allSettled([...consumer.inFlight]);
          cancels.delete(cancel);
        })());
      cancels.add(cancel);
      pump(queue);
      return { cancel };
    },

    async deadLetters(name) {
      return (queues.get(name)?.dead ?? []).map((body) => decodeEnvelope(body));
    },

    async healthCheck() {
      assertOpen();
    },

    close() {
      closing ??= (async () => {
        await Promise.all([...cancels].map((cancel) => cancel()));
        for (const timer of retryTimers) clearTimeout(timer);
        retryTimers.clear();
        queues.clear();
      })();
      return closing;
    },
  };
}
