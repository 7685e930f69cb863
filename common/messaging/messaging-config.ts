// Which message bus a process uses. AMQP_URL set: RabbitMQ. Unset: the in-process bus, which connects
// only the services running in this process (`npm start` runs them all in one and shares one bus).
import { z } from 'zod';
import { parseEnv } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createAmqpBus } from './amqp-bus.ts';
import { redacted } from './amqp-connection.ts';
import { createInProcessBus } from './in-process-bus.ts';
import type { MessageBus } from './message-bus.ts';

export interface MessagingConfig {
  /** `amqp://` / `amqps://` URL of RabbitMQ; undefined selects the in-process bus. */
  readonly amqpUrl: string | undefined;
  /** The durable topic exchange all services publish to. */
  readonly exchange: string;
  /** Put before every queue name, e.g. to share a vhost between environments. */
  readonly queuePrefix: string;
}

const NAME = /^[A-Za-z0-9._:-]*$/;

export function loadMessagingConfig(env: Record<string, string | undefined> = process.env): MessagingConfig {
  const parsed = parseEnv(
    {
      AMQP_URL: z
        .url({ protocol: /^amqps?$/, error: 'must be an amqp:// or amqps:// URL' })
        .optional()
        .meta({
          description: 'RabbitMQ (`amqp://`, `amqps://`): messages between services, subscription events',
          unset: 'unset: the in-process bus, which connects only the services of this process',
        }),
      AMQP_EXCHANGE: z
        .string()
        .max(255)
        .regex(NAME, 'letters, digits, ".", "_", ":", "-" only')
        .refine((name) => !name.startsWith('amq.'), 'names starting with "amq." are reserved by RabbitMQ')
        .default('commerce.events')
        .describe('the durable topic exchange all services publish to'),
      AMQP_QUEUE_PREFIX: z
        .string()
        .max(50)
        .regex(NAME, 'letters, digits, ".", "_", ":", "-" only')
        .default('')
        .describe('put before every queue name, e.g. to share a vhost between environments'),
    },
    env,
  );
  return { amqpUrl: parsed.AMQP_URL, exchange: parsed.AMQP_EXCHANGE, queuePrefix: parsed.AMQP_QUEUE_PREFIX };
}

export interface CreateMessageBusOptions {
  /** Names the AMQP connection in the broker's UI (e.g. the service name). */
  readonly connectionName?: string;
}

export async function createMessageBus(config: MessagingConfig, log: Logger, options: CreateMessageBusOptions = {}): Promise<MessageBus> {
  if (config.amqpUrl === undefined) {
    log.info('messaging: in-process bus (set AMQP_URL for RabbitMQ); messages reach only services in this process');
    return createInProcessBus({ log });
  }
  log.info({ broker: redacted(config.amqpUrl), exchange: config.exchange }, 'messaging: RabbitMQ');
  return createAmqpBus({
    url: config.amqpUrl,
    exchange: config.exchange,
    queuePrefix: config.queuePrefix,
    log,
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  });
}
