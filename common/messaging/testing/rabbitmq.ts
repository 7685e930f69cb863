// Tests against the shared RabbitMQ: every run works in its own exchange and queue prefix and deletes
// all it declared (queues, retry and dead queues, the exchange) at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { queueTopology } from '../amqp-topology.ts';
import type { MessageBus } from '../message-bus.ts';

export const RABBITMQ_URL = process.env['TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

export async function rabbitmqReachable(url: string = RABBITMQ_URL): Promise<boolean> {
  try {
    const connection = await connect(url, { timeout: 2_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export const uniqueName = (label: string) => `test-${label}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** A run's exchange and queue prefix, plus an admin channel to publish raw bytes and to clean up. */
export interface BrokerScratch {
  readonly exchange: string;
  readonly queuePrefix: string;
  /** Records a queue (as consume() declares it) for deletion. */
  track(queue: string, maxAttempts?: number): void;
  /** `bus` with every consume() tracked (but transient ones: they go by themselves, and only their own connection may delete them). */
  tracked(bus: MessageBus): MessageBus;
  publishRaw(routingKey: string, body: Buffer, options?: Options.Publish): Promise<void>;
  /** Deletes every tracked queue and the exchange, and closes the admin connection. */
  cleanUp(): Promise<void>;
}

export async function openBrokerScratch(label: string): Promise<BrokerScratch> {
  const run = uniqueName(label);
  const exchange = `${run}.events`;
  const queuePrefix = `${run}.`;
  const queues = new Set<string>();
  const admin: ChannelModel = await connect(RABBITMQ_URL);
  const channel: ConfirmChannel = await admin.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });

  const track = (queue: string, maxAttempts = 5) => {
    const topology = queueTopology(queuePrefix, queue, maxAttempts);
    for (const name of [topology.queue, topology.dead, ...topology.retries]) queues.add(name);
  };
  return {
    exchange,
    queuePrefix,
    track,
    tracked: (bus) => ({
      ...bus,
      consume: (queue, bindings, handler, options) => {
        if (!options?.transient) track(queue, options?.maxAttempts);
        return bus.consume(queue, bindings, handler, options);
      },
    }),
    async publishRaw(routingKey, body, options) {
      channel.publish(exchange, routingKey, body, options);
      await channel.waitForConfirms();
    },
    async cleanUp() {
      for (const queue of queues) await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await admin.close();
    },
  };
}

const execFileAsync = promisify(execFile);

export async function rabbitmqctlAvailable(): Promise<boolean> {
  try {
    await execFileAsync('rabbitmqctl', ['list_connections', '--quiet', '--no-table-headers', 'pid'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the broker close (CONNECTION_FORCED, as at a broker shutdown) the one connection whose
 * client-provided name is `connectionName`; every other connection stays.
 */
export async function forceCloseConnection(connectionName: string): Promise<void> {
  const { stdout } = await execFileAsync('rabbitmqctl', ['list_connections', '--quiet', '--no-table-headers', 'pid', 'client_properties'], {
    timeout: 15_000,
  });
  const line = stdout.split('\n').find((candidate) => candidate.includes(`{"connection_name","${connectionName}"}`));
  const pid = line?.split('\t')[0];
  if (!pid) throw new Error(`no broker connection named ${connectionName}`);
  await execFileAsync('rabbitmqctl', ['close_connection', pid, 'forced by a test'], { timeout: 15_000 });
}
