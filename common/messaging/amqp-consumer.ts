// One consumer queue on RabbitMQ: its own confirm channel (prefetch is per channel), manual acks, and
// the retry / dead-letter moves. A move publishes a copy to the retry or dead queue, waits for the
// broker's confirm and only then acks the delivery: a crash in between duplicates the message (the
// inbox absorbs that), it never loses it. Nothing waits in the main queue, so later messages flow.
import type { ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Logger } from '../logger.ts';
import { attemptOf, ATTEMPT_HEADER, copyOptions, DEAD_LETTERED_AT_HEADER, ERROR_HEADER, errorText, ROUTING_KEY_HEADER, type HeaderValue } from './amqp-message.ts';
import { declareQueueTopology, deleteQueueTopology, type QueueTopology } from './amqp-topology.ts';
import { backoffDelay } from './backoff.ts';
import type { ResolvedConsumeOptions } from './consume-options.ts';
import { decodeEnvelope } from './envelope-codec.ts';
import type { Envelope } from './envelope.ts';
import type { MessageHandler } from './message-bus.ts';
import { traceMessageHandling } from '../telemetry/spans.ts';

export interface AmqpConsumerOptions {
  readonly exchange: string;
  readonly topology: QueueTopology;
  readonly bindings: readonly string[];
  readonly handler: MessageHandler;
  readonly options: ResolvedConsumeOptions;
  readonly log: Logger;
  /** This consumer's channel died while its connection may live: the bus rebuilds the connection. */
  readonly onChannelLost: (model: ChannelModel, reason: string) => void;
}

export interface AmqpConsumer {
  /** Declares the queue's topology on `model` and consumes on a new channel (again after a reconnect). */
  attach(model: ChannelModel): Promise<void>;
  /** No more deliveries (basic.cancel); the ones handed out go on. */
  stop(): Promise<void>;
  /** Resolves once every delivery handed out so far is settled, then closes the channel. */
  drainAndClose(): Promise<void>;
}

interface Attached {
  readonly channel: ConfirmChannel;
  readonly consumerTag: string;
}

export function createAmqpConsumer(config: AmqpConsumerOptions): AmqpConsumer {
  const { topology, handler, options } = config;
  const log = config.log.child({ queue: topology.queue });
  const inFlight = new Set<Promise<void>>();
  let attached: Attached | undefined;
  let stopped = false;

  async function handle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const attempt = attemptOf(message);
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.content);
    } catch (error) {
      log.error({ err: error, messageId: message.properties.messageId }, 'not an Envelope: moved to the dead-letter queue');
      await moveTo(channel, message, topology.dead, {
        [ERROR_HEADER]: errorText(error),
        [ROUTING_KEY_HEADER]: message.fields.routingKey,
        [DEAD_LETTERED_AT_HEADER]: new Date().toISOString(),
      });
      return;
    }

    try {
      await traceMessageHandling(topology.queue, envelope, 'rabbitmq', () => handler(envelope));
    } catch (error) {
      const context = { err: error, messageId: envelope.id, type: envelope.type, attempt };
      const retryQueue = attempt < options.maxAttempts ? topology.retries[attempt - 1] : undefined;
      if (retryQueue === undefined) {
        log.error(context, 'message failed on its last attempt: moved to the dead-letter queue');
        await moveTo(channel, message, topology.dead, {
          [ATTEMPT_HEADER]: attempt,
          [ERROR_HEADER]: errorText(error),
          [DEAD_LETTERED_AT_HEADER]: new Date().toISOString(),
        });
      } else {
        const delayMs = backoffDelay(attempt, options.retryDelayMs);
        log.warn({ ...context, delayMs }, 'handler failed: retrying later');
        await moveTo(channel, message, retryQueue, { [ATTEMPT_HEADER]: attempt + 1 }, delayMs);
      }
      return;
    }
    channel.ack(message);
  }

  function onDelivery(model: ChannelModel, channel: ConfirmChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      // basic.cancel from the broker: the queue was deleted under us.
      if (!stopped) config.onChannelLost(model, `the broker cancelled the consumer of ${topology.queue}`);
      return;
    }
    const task = handle(channel, message)
      .catch((error: unknown) =>
        // Typically the channel closed with the connection: the broker redelivers the unacked message.
        log.warn({ err: error, messageId: message.properties.messageId }, 'could not settle a delivery: the broker will redeliver it'),
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }

  return {
    async attach(model) {
      if (stopped) return;
      const channel = await model.createConfirmChannel();
      channel.on('error', (error: Error) => log.warn({ err: error }, 'consumer channel error'));
      try {
        await declareQueueTopology(channel, config.exchange, topology, config.bindings, options.transient);
        await channel.prefetch(options.prefetch);
        const { consumerTag } = await channel.consume(topology.queue, (message) => onDelivery(model, channel, message), { noAck: false });
        attached = { channel, consumerTag };
      } catch (error) {
        await channel.close().catch(() => {});
        throw error;
      }
      channel.on('close', () => {
        if (attached?.channel === channel) attached = undefined;
        if (!stopped) config.onChannelLost(model, `the consumer channel of ${topology.queue} closed`);
      });
    },

    async stop() {
      stopped = true;
      if (attached) await attached.channel.cancel(attached.consumerTag).catch(() => {});
    },

    async drainAndClose() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      const channel = attached?.channel;
      attached = undefined;
      // A transient queue goes with its consumer (if the connection is gone, the broker deleted it already).
      if (options.transient && channel) await deleteQueueTopology(channel, topology).catch(() => {});
      await channel?.close().catch(() => {});
    },
  };
}

/** Publishes a copy to `queue` through the default exchange, waits for the confirm, then acks the delivery. */
async function moveTo(channel: ConfirmChannel, message: ConsumeMessage, queue: string, headers: Record<string, HeaderValue>, expirationMs?: number): Promise<void> {
  await confirmPublish(channel, '', queue, message.content, copyOptions(message, headers, expirationMs));
  channel.ack(message);
}

/** Publishes and resolves once the broker confirms (rejects on a nack or when the channel closes first). */
export function confirmPublish(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, publishOptions: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.publish(exchange, routingKey, content, publishOptions, (error: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error(`the broker refused the message: ${String(error)}`));
        else resolve();
      });
    } catch (error) {
      reject(error); // a closed channel throws synchronously
    }
  });
}
