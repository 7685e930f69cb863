// The RabbitMQ objects behind one consumer queue, and their declaration (idempotent: every consume()
// and every reconnect declares them again).
//
//   exchange (topic, durable) --bindings--> <prefix><queue>            consumed, manual acks
//   <prefix><queue>.retry.<n>   waits for retry n: per-message TTL, then dead-letters back to <queue>
//   <prefix><queue>.dead        messages that failed maxAttempts times, or were not Envelopes
//
// One retry queue per attempt rather than one shared: RabbitMQ only expires the message at the head of
// a queue, so a 200 ms retry queued behind a 3 s one would wait 3 s. Within one level the TTLs differ
// only by jitter. The main queue takes no arguments, so no declaration can disagree with an existing
// queue (which RabbitMQ refuses with PRECONDITION_FAILED).
//
// A transient topology (ConsumeOptions.transient) has the same shape, every queue exclusive to the
// bus's connection and not durable (the main one also auto-delete): the broker deletes them when the
// connection ends, the consumer when it cancels.
import type { Channel } from 'amqplib';

export interface QueueTopology {
  /** `<prefix><queue>` */
  readonly queue: string;
  /** `<prefix><queue>.dead` */
  readonly dead: string;
  /** `<prefix><queue>.retry.1` … `.retry.<maxAttempts - 1>`: index n - 1 holds messages waiting for attempt n + 1. */
  readonly retries: readonly string[];
}

export function queueTopology(prefix: string, queue: string, maxAttempts: number): QueueTopology {
  const name = `${prefix}${queue}`;
  return {
    queue: name,
    dead: `${name}.dead`,
    retries: Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, i) => `${name}.retry.${i + 1}`),
  };
}

export async function declareExchange(channel: Channel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

export async function declareQueueTopology(channel: Channel, exchange: string, topology: QueueTopology, bindings: readonly string[], transient = false): Promise<void> {
  const lifetime = transient ? { durable: false, exclusive: true } : { durable: true };
  await declareExchange(channel, exchange);
  await channel.assertQueue(topology.queue, transient ? { ...lifetime, autoDelete: true } : lifetime);
  await channel.assertQueue(topology.dead, lifetime);
  for (const retry of topology.retries) {
    await channel.assertQueue(retry, {
      ...lifetime,
      // '' is the default exchange, which routes by queue name: back to this queue only, not to every
      // queue bound to the original routing key.
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': topology.queue },
    });
  }
  for (const pattern of bindings) await channel.bindQueue(topology.queue, exchange, pattern);
}

/** Deletes a transient topology (a deleted or missing queue is fine). */
export async function deleteQueueTopology(channel: Channel, topology: QueueTopology): Promise<void> {
  for (const queue of [topology.queue, ...topology.retries, topology.dead]) await channel.deleteQueue(queue);
}
