// The MessageBus on RabbitMQ (amqplib). See amqp-topology.ts for the broker objects, amqp-consumer.ts
// for acks, retries and dead letters, amqp-connection.ts for reconnects.
//
// Outage behaviour: while the connection is down, publish(), consume() and deadLetters() wait for it
// for at most `operationTimeoutMs` (default 10 s) and then reject with BrokerUnavailableError; the
// outbox relay keeps the message and tries again later. A publish whose confirm was lost with the
// connection is sent again on the next one within the same bound (at-least-once: it may arrive twice).
// After a reconnect every consumer is declared and attached again; deliveries that were in flight are
// redelivered by the broker (their acks cannot reach it), so a handler may see a message twice.
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../logger.ts';
import { BrokerUnavailableError, openAmqpConnection, type AmqpConnection } from './amqp-connection.ts';
import { confirmPublish, createAmqpConsumer, type AmqpConsumer } from './amqp-consumer.ts';
import { deadLetterEnvelope, publishOptions } from './amqp-message.ts';
import { declareExchange, queueTopology } from './amqp-topology.ts';
import { assertConsumable, resolveConsumeOptions } from './consume-options.ts';
import { parseEnvelope } from './envelope-codec.ts';
import type { Envelope } from './envelope.ts';
import type { ConsumeOptions, Consumer, MessageBus, MessageHandler } from './message-bus.ts';

export { BrokerUnavailableError } from './amqp-connection.ts';

export interface AmqpBusOptions {
  /** `amqp://user:password@host:5672/vhost` (or `amqps://`). */
  readonly url: string;
  /** The durable topic exchange every service publishes to, e.g. `commerce.events`. */
  readonly exchange: string;
  /** Put before every queue name (e.g. an environment, or a test run). */
  readonly queuePrefix: string;
  readonly log: Logger;
  /** Names the connection in the broker's UI and in `rabbitmqctl list_connections`. */
  readonly connectionName?: string;
  /** The longest publish(), consume() and deadLetters() wait for the broker (connection and confirm). Default 10 s. */
  readonly operationTimeoutMs?: number;
}

interface Publisher {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
}

export async function createAmqpBus(options: AmqpBusOptions): Promise<MessageBus> {
  const { exchange, queuePrefix } = options;
  const log = options.log.child({ component: 'amqp-bus', exchange });
  const timeoutMs = options.operationTimeoutMs ?? 10_000;
  const consumers = new Set<AmqpConsumer>();
  const cancels = new Set<() => Promise<void>>();
  const transientQueues = new Set<string>();
  let publisher: Publisher | undefined;
  let closing: Promise<void> | undefined;

  // Topology changes (a reconnect re-attaching every consumer, a new consume(), a cancel) run one at a
  // time, so none of them can miss or duplicate another's consumer.
  let topologyTail: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = topologyTail.then(work);
    topologyTail = run.catch(() => {});
    return run;
  };

  const connection: AmqpConnection = await openAmqpConnection({
    url: options.url,
    log,
    ...(options.connectionName === undefined ? {} : { name: options.connectionName }),
    onConnect: (model, recycle) =>
      serially(async () => {
        const channel = await model.createConfirmChannel();
        channel.on('error', (error: Error) => log.warn({ err: error }, 'publisher channel error'));
        channel.on('close', () => {
          if (!closing) recycle('the publisher channel closed');
        });
        await declareExchange(channel, exchange);
        for (const consumer of consumers) await consumer.attach(model);
        publisher = { model, channel };
      }),
  });

  const assertOpen = () => {
    if (closing) throw new Error('The message bus is closed');
  };
  const deadlineFromNow = () => Date.now() + timeoutMs;

  async function publishOnce(envelope: Envelope, body: Buffer, deadline: number): Promise<void> {
    for (;;) {
      const model = await connection.whenUp(deadline);
      const current = publisher;
      if (current?.model !== model) throw new Error('publisher channel missing on a connected bus'); // set before "up"
      try {
        await beforeDeadline(
          confirmPublish(current.channel, exchange, envelope.routingKey, body, publishOptions(envelope)),
          deadline,
          'The broker did not confirm the message in time',
        );
        return;
      } catch (error) {
        // Only a connection lost before the confirm is worth another try here; anything else is the caller's.
        if (connection.current() === model || Date.now() >= deadline) throw error;
      }
    }
  }

  return {
    async publish(message) {
      assertOpen();
      const envelope = parseEnvelope(message);
      await publishOnce(envelope, Buffer.from(JSON.stringify(envelope), 'utf8'), deadlineFromNow());
    },

    async consume(queue: string, bindings: readonly string[], handler: MessageHandler, consumeOptions?: ConsumeOptions): Promise<Consumer> {
      assertOpen();
      assertConsumable(queue, bindings);
      const resolved = resolveConsumeOptions(consumeOptions);
      // Exclusive queues admit any consumer of the same connection: one transient queue, one consumer.
      if (resolved.transient && transientQueues.has(queue)) {
        throw new Error(`Queue ${queue} is in use: a transient queue belongs to one consumer and its name to nothing else`);
      }
      if (resolved.transient) transientQueues.add(queue);
      const consumer = createAmqpConsumer({
        exchange,
        topology: queueTopology(queuePrefix, queue, resolved.maxAttempts),
        bindings,
        handler,
        options: resolved,
        log,
        onChannelLost: (model, reason) => connection.recycle(model, reason),
      });

      const deadline = deadlineFromNow();
      const releaseName = () => void (resolved.transient && transientQueues.delete(queue));
      for (;;) {
        const model = await connection.whenUp(deadline).catch((error: unknown) => {
          releaseName();
          throw error;
        });
        try {
          await serially(async () => {
            if (connection.current() !== model) throw new Error('reconnected meanwhile');
            await consumer.attach(model);
            consumers.add(consumer);
          });
          break;
        } catch (error) {
          // A declaration the broker refuses (e.g. a queue declared differently) is final; a connection
          // lost meanwhile is not: the next connection gets another try, within the same deadline.
          if (connection.current() === model || Date.now() >= deadline) {
            releaseName();
            throw error;
          }
        }
      }

      let cancelling: Promise<void> | undefined;
      const cancel = () =>
        (cancelling ??= (async () => {
          await serially(async () => {
            consumers.delete(consumer);
            await consumer.stop();
          });
          await consumer.drainAndClose();
          releaseName();
          cancels.delete(cancel);
        })());
      cancels.add(cancel);
      return { cancel };
    },

    async deadLetters(queue) {
      const model = await connection.whenUp(deadlineFromNow());
      const dead = queueTopology(queuePrefix, queue, 1).dead;
      // Read without acking on a channel of its own; closing it puts every message back where it was.
      const channel = await model.createChannel();
      channel.on('error', () => {}); // a missing queue closes the channel with 404: handled below
      try {
        try {
          await channel.checkQueue(dead);
        } catch {
          return [];
        }
        const letters: Envelope[] = [];
        for (let message = await channel.get(dead, { noAck: false }); message !== false; message = await channel.get(dead, { noAck: false })) {
          letters.push(deadLetterEnvelope(message));
        }
        return letters;
      } finally {
        await channel.close().catch(() => {});
      }
    },

    async healthCheck() {
      assertOpen();
      const model = connection.current();
      if (!model) throw new Error('not connected to the broker');
      // A round trip, so a half-open connection reads as down (the health check bounds the wait).
      const channel = await model.createChannel();
      channel.on('error', () => {});
      try {
        await channel.checkExchange(exchange);
      } finally {
        await channel.close().catch(() => {});
      }
    },

    close() {
      closing ??= (async () => {
        await Promise.all([...cancels].map((cancel) => cancel()));
        await connection.close();
        publisher = undefined;
      })();
      return closing;
    },
  };
}

/** `promise`, or a BrokerUnavailableError once `deadline` passes (the timer is always cleared). */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BrokerUnavailableError(message)), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
