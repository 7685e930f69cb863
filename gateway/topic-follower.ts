// A gateway instance's own transient queue on the bus, bound to a set of topics that changes when the
// supergraph does (subscription events, cache invalidations). A change binds a new queue before the
// old one goes, so no message falls in between (one heard on both reaches the handler twice: handlers
// drop repeats by message id or are idempotent), and changes run one at a time.
import type { Logger } from '../common/logger.ts';
import type { Envelope } from '../common/messaging/envelope.ts';
import type { Consumer, MessageBus } from '../common/messaging/message-bus.ts';

export interface TopicFollower {
  /** Consumes `topics` (again, when they changed since the last call). */
  follow(topics: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

export interface TopicFollowerOptions {
  readonly bus: MessageBus;
  /** The first queue's name (before the bus's prefix); later ones add `.<n>`. */
  readonly queue: string;
  /** Quick and never throwing: it is not retried (maxAttempts 1). */
  readonly handler: (message: Envelope) => Promise<void>;
  readonly log: Logger;
}

export function createTopicFollower({ bus, queue, handler, log }: TopicFollowerOptions): TopicFollower {
  let consumer: Consumer | undefined;
  let consumed = '';
  let generation = 0;
  let stopped = false;
  let switching: Promise<void> = Promise.resolve();

  const switchTo = async (topics: readonly string[]) => {
    const wanted = [...new Set(topics)].sort();
    const key = wanted.join('\n');
    if (stopped || (consumer && key === consumed)) return;
    const previous = consumer;
    consumed = key;
    const next =
      wanted.length === 0 ? undefined : await bus.consume(generation === 0 ? queue : `${queue}.${generation}`, wanted, handler, { transient: true, prefetch: 500, maxAttempts: 1 });
    generation += 1;
    if (stopped) {
      await next?.cancel();
      return;
    }
    consumer = next;
    await previous?.cancel();
    log.debug({ topics: wanted }, 'following topics');
  };

  return {
    follow(topics) {
      const change = switching.then(() => switchTo(topics));
      switching = change.catch(() => {});
      return change;
    },
    async stop() {
      stopped = true;
      await switching;
      const current = consumer;
      consumer = undefined;
      await current?.cancel();
    },
  };
}
