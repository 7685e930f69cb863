// The event hub when the supergraph's declared topics change (a reload): events published while
// it moves to the new set of topics all reach their listeners, once each, on RabbitMQ (where the
// hub's transient queue is replaced) and on the in-process bus.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createAmqpBus } from '../../common/messaging/amqp-bus.ts';
import { createEnvelope } from '../../common/messaging/envelope.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { openBrokerScratch, RABBITMQ_URL, type BrokerScratch } from '../../common/messaging/testing/rabbitmq.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { createEventHub, type HubEvent } from './event-hub.ts';

const log = createLogger('event-hub-test', 'silent');
let scratch: BrokerScratch | undefined;
beforeAll(async () => {
  scratch = await openBrokerScratch('event-hub');
});
afterAll(() => scratch?.cleanUp());

const buses: { name: string; open(): Promise<MessageBus> }[] = [
  { name: 'RabbitMQ', open: () => createAmqpBus({ url: RABBITMQ_URL, exchange: scratch!.exchange, queuePrefix: scratch!.queuePrefix, log }) },
  { name: 'in-process', open: async () => createInProcessBus({ log }) },
];

describe.each(buses)('event hub on $name', ({ open }) => {
  it('loses no event while the declared topics change, and delivers each once', async () => {
    const bus = await open();
    onTestFinished(() => bus.close());
    const hub = createEventHub({ bus, log });
    onTestFinished(() => hub.stop());
    const heard: HubEvent[] = [];
    hub.listen({ topic: 'shop.stock-changed', field: 'productId', value: 'p1' }, (event) => heard.push(event));
    hub.listen({ topic: 'shop.price-changed', field: 'productId', value: 'p1' }, (event) => heard.push(event));
    await hub.consume(['shop.stock-changed']);

    // Publish without pause while the hub switches topic sets three times.
    let publishing = true;
    const sent: string[] = [];
    const publisher = (async () => {
      for (let n = 0; publishing; n++) {
        const message = createEnvelope('shop.stock-changed', 'StockChanged', { productId: 'p1', n }, {});
        await bus.publish(message);
        sent.push(message.id);
        // The in-process bus resolves at once: let timers and deliveries run between publishes.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await waitFor(
      async () => sent.length,
      (count) => count >= 20,
      { what: 'events before the change' },
    );
    await hub.consume(['shop.price-changed', 'shop.stock-changed']);
    const afterFirst = sent.length;
    await waitFor(
      async () => sent.length,
      (count) => count >= afterFirst + 20,
      { what: 'events after the first change' },
    );
    await Promise.all([hub.consume(['shop.stock-changed']), hub.consume(['shop.stock-changed', 'shop.price-changed', 'shop.other'])]);
    const afterSecond = sent.length;
    await waitFor(
      async () => sent.length,
      (count) => count >= afterSecond + 20,
      { what: 'events after the last change' },
    );
    publishing = false;
    await publisher;
    const price = createEnvelope('shop.price-changed', 'PriceChanged', { productId: 'p1' }, {});
    await bus.publish(price);

    const expected = [...sent, price.id];
    await waitFor(
      async () => heard.length,
      (count) => count >= expected.length,
      { what: 'every event to arrive' },
    );
    const ids = heard.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(expected));
  });
});
