// The MessageBus contract, run against RabbitMQ (its own exchange and queue prefix, deleted at the end)
// and against the in-process bus: both must behave the same for the services.
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createLogger } from '../logger.ts';
import { createAmqpBus } from './amqp-bus.ts';
import { MALFORMED_MESSAGE_TYPE } from './amqp-message.ts';
import { createEnvelope, type Envelope } from './envelope.ts';
import { createInProcessBus } from './in-process-bus.ts';
import type { MessageBus } from './message-bus.ts';
import { activeHandles, handlesAddedSince } from './testing/handles.ts';
import { openBrokerScratch, rabbitmqReachable, RABBITMQ_URL, type BrokerScratch } from './testing/rabbitmq.ts';

const log = createLogger('message-bus-test', 'silent');

interface Backend {
  readonly name: string;
  readonly available: boolean;
  setUp(): Promise<void>;
  open(): Promise<MessageBus>;
  /** Raw bytes onto the exchange, bypassing publish()'s checks (only a real broker can carry them). */
  readonly publishRaw?: (routingKey: string, body: Buffer) => Promise<void>;
  /** Whether the broker holds `queue` (as consume() names it), asked from a connection of its own. */
  readonly queueExists?: (queue: string) => Promise<boolean>;
  tearDown(): Promise<void>;
}

const brokerUp = await rabbitmqReachable();
if (!brokerUp) console.warn(`RabbitMQ at ${RABBITMQ_URL} is unreachable: the AMQP contract suite is skipped`);

let scratch: BrokerScratch | undefined;
const rabbitmq: Backend = {
  name: 'RabbitMQ',
  available: brokerUp,
  async setUp() {
    scratch = await openBrokerScratch('contract');
  },
  async open() {
    if (!scratch) throw new Error('no broker scratch');
    const bus = await createAmqpBus({ url: RABBITMQ_URL, exchange: scratch.exchange, queuePrefix: scratch.queuePrefix, log });
    return scratch.tracked(bus);
  },
  publishRaw: (routingKey, body) => {
    if (!scratch) throw new Error('no broker scratch');
    return scratch.publishRaw(routingKey, body, { contentType: 'application/json' });
  },
  async queueExists(queue) {
    if (!scratch) throw new Error('no broker scratch');
    const connection = await connect(RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      // A queue exclusive to another connection answers RESOURCE_LOCKED: it exists.
      return await channel.checkQueue(`${scratch.queuePrefix}${queue}`).then(
        () => true,
        (error: Error) => /RESOURCE.LOCKED/.test(error.message),
      );
    } finally {
      await connection.close().catch(() => {});
    }
  },
  async tearDown() {
    await scratch?.cleanUp();
  },
};

const inProcess: Backend = {
  name: 'in-process',
  available: true,
  async setUp() {},
  open: async () => createInProcessBus({ log }),
  async tearDown() {},
};

const timings: string[] = [];
afterAll(() => console.log(`message bus contract timings\n  ${timings.join('\n  ')}`));

/** A bus for this test, closed when it ends. */
async function openFor(backend: Backend): Promise<MessageBus> {
  const bus = await backend.open();
  onTestFinished(() => bus.close());
  return bus;
}

const event = (routingKey: string, payload: unknown = { at: Date.now() }) => createEnvelope(routingKey, 'TestEvent', payload, { 'x-request-id': 'req-1' });

describe.each([rabbitmq, inProcess])('MessageBus contract: $name', (backend) => {
  let started = 0;
  beforeAll(async () => {
    started = performance.now();
    // Not reachable is a failure here, never a silent skip.
    if (!backend.available) throw new Error(`${backend.name} is not reachable; these tests need it.`);
    await backend.setUp();
  });
  afterAll(async () => {
    if (backend.available) await backend.tearDown();
    timings.push(`${backend.name}: ${Math.round(performance.now() - started)} ms`);
  });
  const test = it;

  test('routes by topic pattern, a copy to every matching queue', async () => {
    const bus = await openFor(backend);
    const orders: string[] = [];
    const everything: string[] = [];
    await bus.consume('routing-orders', ['orders.*', 'stock.#.reserved'], async (message) => void orders.push(message.routingKey));
    await bus.consume('routing-all', ['#'], async (message) => void everything.push(message.routingKey));

    const keys = ['orders.placed', 'orders.placed.v2', 'orders', 'stock.reserved', 'stock.a.b.reserved', 'stock.reserved.x', 'payments.captured'];
    for (const key of keys) await bus.publish(event(key));
    await bus.publish(event('orders.done')); // FIFO: once it is in, everything before it is too

    await vi.waitFor(() => expect(orders.at(-1)).toBe('orders.done'));
    await vi.waitFor(() => expect(everything.at(-1)).toBe('orders.done'));
    expect(orders).toEqual(['orders.placed', 'stock.reserved', 'stock.a.b.reserved', 'orders.done']);
    expect(everything).toEqual([...keys, 'orders.done']);
  });

  test('delivers the published envelope unchanged', async () => {
    const bus = await openFor(backend);
    const received: Envelope[] = [];
    await bus.consume('envelope', ['envelope.*'], async (message) => void received.push(message));
    const sent = event('envelope.sent', { nested: { list: [1, 'two', null, true] }, nothing: null });
    await bus.publish(sent);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]).toEqual(sent);
    await expect(bus.publish({ ...sent, id: 'not-a-uuid' })).rejects.toThrow(/not an Envelope/);
  });

  test('keeps messages published while nobody consumes the queue', async () => {
    const bus = await openFor(backend);
    const first = await bus.consume('parked', ['parked.*'], async () => {});
    await first.cancel();
    const sent = [event('parked.one'), event('parked.two'), event('parked.three')];
    for (const message of sent) await bus.publish(message);

    const received: string[] = [];
    await bus.consume('parked', ['parked.*'], async (message) => void received.push(message.id));
    await vi.waitFor(() => expect(received).toEqual(sent.map((message) => message.id)));
  });

  test('redelivers after a handler throws, each time after a longer wait', async () => {
    const bus = await openFor(backend);
    const deliveries: { id: string; at: number }[] = [];
    await bus.consume(
      'flaky',
      ['flaky.*'],
      async (message) => {
        deliveries.push({ id: message.id, at: performance.now() });
        if (deliveries.length < 4) throw new Error('not yet');
      },
      { maxAttempts: 5, retryDelayMs: 60 },
    );
    const sent = event('flaky.event');
    await bus.publish(sent);
    await vi.waitFor(() => expect(deliveries).toHaveLength(4));

    expect(deliveries.every((delivery) => delivery.id === sent.id)).toBe(true);
    const waits = deliveries.slice(1).map((delivery, i) => delivery.at - (deliveries[i]?.at ?? 0));
    // 60, 120, 240 ms +-20 % jitter (a little slack for timer granularity).
    waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(60 * 2 ** i * 0.8 - 5));
    expect(waits[1]).toBeGreaterThan(waits[0] ?? Infinity);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? Infinity);
    expect(await bus.deadLetters('flaky')).toEqual([]);
  });

  test('dead-letters a poison message after maxAttempts while later messages keep flowing', async () => {
    const bus = await openFor(backend);
    const handled: string[] = [];
    let poisonAttempts = 0;
    const poison = event('poison.bad');
    await bus.consume(
      'poison',
      ['poison.*'],
      async (message) => {
        if (message.id === poison.id) {
          poisonAttempts += 1;
          throw new Error('poison');
        }
        handled.push(message.id);
      },
      { maxAttempts: 3, retryDelayMs: 100, prefetch: 1 }, // even one at a time, nothing waits behind it
    );
    await bus.publish(poison);
    const good = [event('poison.good'), event('poison.good'), event('poison.good')];
    for (const message of good) await bus.publish(message);

    await vi.waitFor(() => expect(handled).toEqual(good.map((message) => message.id)));
    expect(poisonAttempts).toBeLessThan(3); // the good ones did not wait for the poison's retries
    await vi.waitFor(async () => expect(await bus.deadLetters('poison')).toEqual([poison]));
    expect(poisonAttempts).toBe(3);

    const later = event('poison.later');
    await bus.publish(later);
    await vi.waitFor(() => expect(handled.at(-1)).toBe(later.id));
    expect(await bus.deadLetters('poison')).toEqual([poison]); // reading them leaves them there
  });

  // Only a real broker can carry bytes that are not an envelope.
  if (backend.publishRaw)
    it('dead-letters a malformed message at once and goes on', async () => {
      const bus = await openFor(backend);
      const handled: string[] = [];
      await bus.consume('malformed', ['malformed.*'], async (message) => void handled.push(message.id), { maxAttempts: 5 });
      await backend.publishRaw?.('malformed.text', Buffer.from('not json at all'));
      await backend.publishRaw?.('malformed.json', Buffer.from(JSON.stringify({ id: 'x', hello: 'world' })));
      const good = event('malformed.good');
      await bus.publish(good);

      await vi.waitFor(() => expect(handled).toEqual([good.id]));
      const dead = await vi.waitFor(async () => {
        const letters = await bus.deadLetters('malformed');
        expect(letters).toHaveLength(2);
        return letters;
      });
      expect(dead.map((letter) => [letter.type, letter.routingKey])).toEqual([
        [MALFORMED_MESSAGE_TYPE, 'malformed.text'],
        [MALFORMED_MESSAGE_TYPE, 'malformed.json'],
      ]);
      expect(dead[0]?.payload).toMatchObject({ error: 'MalformedMessageError: not JSON', body: 'not json at all' });
      expect(dead[1]?.payload).toMatchObject({ error: expect.stringContaining('not an Envelope') });
    });

  test('never runs more handlers at once than prefetch', async () => {
    const bus = await openFor(backend);
    let running = 0;
    let mostAtOnce = 0;
    let done = 0;
    await bus.consume(
      'prefetch',
      ['prefetch.*'],
      async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 25));
        running -= 1;
        done += 1;
      },
      { prefetch: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, () => bus.publish(event('prefetch.work'))));
    await vi.waitFor(() => expect(done).toBe(12));
    expect(mostAtOnce).toBe(3);
  });

  test('cancel() lets the handlers in flight finish first', async () => {
    const bus = await openFor(backend);
    let started: () => void = () => {};
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const finished: string[] = [];
    const consumer = await bus.consume('cancel', ['cancel.*'], async (message) => {
      started();
      await gate;
      finished.push(message.id);
    });
    const sent = event('cancel.one');
    await bus.publish(sent);
    await handlerStarted;

    let cancelled = false;
    const cancelling = consumer.cancel().then(() => (cancelled = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cancelled).toBe(false);
    release();
    await cancelling;
    expect(finished).toEqual([sent.id]);
  });

  test("a transient queue is its consumer's alone and goes with it", async () => {
    const bus = await openFor(backend);
    await backend.publishRaw?.('transient.before', Buffer.from(JSON.stringify(event('transient.before')))); // no queue yet: dropped
    const received: string[] = [];
    const consumer = await bus.consume('transient', ['transient.*'], async (message) => void received.push(message.routingKey), {
      transient: true,
    });
    await expect(bus.consume('transient', ['transient.*'], async () => {}, { transient: true })).rejects.toThrow(/in use/);
    await expect(bus.consume('transient', ['transient.*'], async () => {})).rejects.toThrow();
    await bus.publish(event('transient.one'));
    await vi.waitFor(() => expect(received).toEqual(['transient.one']));
    if (backend.queueExists) expect(await backend.queueExists('transient')).toBe(true);

    await consumer.cancel();
    if (backend.queueExists) expect(await backend.queueExists('transient')).toBe(false);
    await bus.publish(event('transient.while-gone')); // nobody keeps it
    const again: string[] = [];
    const second = await bus.consume('transient', ['transient.*'], async (message) => void again.push(message.routingKey), { transient: true });
    await bus.publish(event('transient.two'));
    await vi.waitFor(() => expect(again).toEqual(['transient.two']));
    expect(received).toEqual(['transient.one']);
    await second.cancel();

    // Closing the bus without a cancel takes the queue away too.
    const other = await backend.open();
    await other.consume('transient-closed', ['transient.*'], async () => {}, { transient: true });
    await other.close();
    if (backend.queueExists) expect(await backend.queueExists('transient-closed')).toBe(false);
  });

  test('close() leaves no timers or sockets behind', async () => {
    const before = activeHandles();
    const bus = await backend.open();
    const attempts: string[] = [];
    await bus.consume(
      'closing',
      ['closing.*'],
      async (message) => {
        attempts.push(message.id);
        throw new Error('retry me much later'); // a retry is pending when the bus closes
      },
      { retryDelayMs: 10_000 },
    );
    await bus.publish(event('closing.event'));
    await vi.waitFor(() => expect(attempts).toHaveLength(1));
    await bus.close();
    await bus.close(); // idempotent
    expect(await handlesAddedSince(before)).toEqual({});
    await expect(bus.publish(event('closing.event'))).rejects.toThrow(/closed/);
  });
});
