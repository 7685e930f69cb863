// One RabbitMQ connection that outlives broker restarts. amqplib's own recovery reconnects with
// exponential backoff and jitter and runs `onConnect` on every new connection, where the bus declares
// its topology and re-attaches its consumers. The connection counts as up only once `onConnect` has
// finished, so nobody waiting in whenUp() gets a half-built one.
import { connect, type ChannelModel } from 'amqplib';
import type { Logger } from '../logger.ts';

export interface AmqpConnectionOptions {
  readonly url: string;
  /** Shown by the broker (management UI, `rabbitmqctl list_connections client_properties`). */
  readonly name?: string;
  readonly log: Logger;
  /**
   * Prepares a new connection; a throw drops it and recovery tries again later. `recycle` is
   * AmqpConnection.recycle for this connection (usable before openAmqpConnection has resolved).
   */
  readonly onConnect: (model: ChannelModel, recycle: (reason: string) => void) => Promise<void>;
}

export interface AmqpConnection {
  /** The connection when it is up. */
  current(): ChannelModel | undefined;
  /** Waits until the connection is up, at most until `deadline` (ms since the epoch). */
  whenUp(deadline: number): Promise<ChannelModel>;
  /**
   * Drops `model` if it is still the current connection, so that recovery builds everything again:
   * for a channel that died while its connection lives (a channel error, a consumer cancelled by the
   * broker), rather than repairing each kind of channel separately.
   */
  recycle(model: ChannelModel, reason: string): void;
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

const RECOVERY = {
  initialDelay: 200,
  maxDelay: 10_000,
  jitter: 0.2,
  maxRetries: Infinity, // once connected, never give up
  initialMaxRetries: 4, // at start (~3 s): a wrong URL or a missing broker fails the start-up
} as const;
const CONNECT_TIMEOUT_MS = 5_000;

interface Waiter {
  resolve(model: ChannelModel): void;
  reject(error: Error): void;
}

export async function openAmqpConnection(options: AmqpConnectionOptions): Promise<AmqpConnection> {
  const { log } = options;
  let up: ChannelModel | undefined;
  let closed = false;
  const waiters = new Set<Waiter>();
  const closedModels = new WeakSet<ChannelModel>();
  // Every connection recovery has opened and not yet seen close: close() ends them itself, because one
  // still being set up when close() is called would otherwise be closed by recovery only afterwards.
  const openModels = new Set<ChannelModel>();

  const recycle = (model: ChannelModel, reason: string) => {
    // A channel closing because its connection closed hears about it first: look again once the
    // connection has had its say, and only drop a connection that is still open (up or being set up).
    setImmediate(() => {
      if (closed || closedModels.has(model)) return;
      log.warn({ reason }, 'reconnecting to rebuild channels');
      if (up === model) up = undefined;
      model.close().catch(() => {});
    });
  };

  const recovering = await connect(options.url, {
    timeout: CONNECT_TIMEOUT_MS,
    clientProperties: options.name === undefined ? {} : { connection_name: options.name },
    recovery: {
      ...RECOVERY,
      waitForConnect: false, // so the listeners below see the first attempts too
      async setup(model: ChannelModel) {
        // Recovery listens for errors only once setup is done; an unheard 'error' would crash the process.
        model.on('error', (error: Error) => log.debug({ err: error }, 'AMQP connection error'));
        openModels.add(model);
        model.once('close', () => {
          closedModels.add(model);
          openModels.delete(model);
          if (up === model) up = undefined;
        });
        await options.onConnect(model, (reason) => recycle(model, reason));
        if (closedModels.has(model)) throw new Error('The connection closed while it was being set up');
        up = model;
        for (const waiter of waiters) waiter.resolve(model);
        waiters.clear();
      },
    },
  });
  recovering.on('connect', () => log.info(connectionContext(options), 'connected to the broker'));
  recovering.on('disconnect', (error: Error) => log.warn({ err: error }, 'lost the broker connection: reconnecting'));
  recovering.on('connect-failed', (error: Error) => log.warn({ err: error }, 'broker connection attempt failed'));
  recovering.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) => log.info({ attempt, delayMs: delay }, 'reconnecting to the broker later'));
  recovering.on('reconnect-failed', (error: Error) => log.error({ err: error }, 'gave up connecting to the broker'));
  recovering.on('blocked', (reason: string) => log.warn({ reason }, 'the broker blocks publishing (resource alarm)'));
  recovering.on('unblocked', () => log.info('the broker accepts publishing again'));
  recovering.on('error', (error: Error) => log.warn({ err: error }, 'AMQP connection error'));

  try {
    await recovering.waitForConnect();
  } catch (error) {
    await recovering.close();
    throw new BrokerUnavailableError(`Cannot connect to the broker at ${redacted(options.url)}`, { cause: error });
  }

  return {
    current: () => up,

    whenUp(deadline) {
      if (closed) return Promise.reject(new BrokerUnavailableError('The broker connection is closed'));
      if (up) return Promise.resolve(up);
      return new Promise<ChannelModel>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            waiters.delete(waiter);
            reject(new BrokerUnavailableError('The broker is unreachable'));
          },
          Math.max(0, deadline - Date.now()),
        );
        const waiter: Waiter = {
          resolve: (model) => {
            clearTimeout(timer);
            resolve(model);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },

    recycle,

    async close() {
      if (closed) return;
      closed = true;
      up = undefined;
      for (const waiter of waiters) waiter.reject(new BrokerUnavailableError('The broker connection is closed'));
      waiters.clear();
      await recovering.close();
      await Promise.all([...openModels].map((model) => model.close().catch(() => {})));
    },
  };
}

function connectionContext(options: AmqpConnectionOptions): Record<string, string> {
  return { broker: redacted(options.url), ...(options.name === undefined ? {} : { connectionName: options.name }) };
}

/** The URL without its credentials, for logs and errors. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
