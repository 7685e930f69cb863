import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderCancelled, OrderConfirmed, OrderDelivered, OrderShipped } from '../../common/contracts/messages/index.ts';
import { envelopeOf } from '../../common/messaging/catalogue.ts';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { createLogger } from '../../common/logger.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import { bindingsOf, dispatcher } from '../../common/messaging/consumer.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import type { Consumer, MessageBus } from '../../common/messaging/message-bus.ts';
import { startOutboxRelay, type OutboxRelay } from '../../common/messaging/outbox.ts';
import { createOutbox } from '../../common/messaging/outbox-publisher.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createModuleServer } from '../../common/service/start-subgraph.ts';
import type { SubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { Viewer } from '../../common/viewer.ts';
import { errorCodes, graphql, type GraphQLResponse } from '../../test/support/graphql-client.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { loadShippingConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { ORDER_EVENTS_QUEUE, orderEvents } from './handlers/order-events.ts';
import { shipping } from './service.ts';
import { openShippingTestDatabase, type ShippingTestDatabase } from './shipping-test-database.ts';
import { TRACKING_NUMBER } from './domain/tracking-number.ts';

// The shipping subgraph alone, against a database of its own (real PostgreSQL; in-memory PGlite when
// TEST_DATABASE=embedded): orders' events go in through the in-process bus, the mutations and
// Order.shipment are called over HTTP with a gateway credential (as the gateway does), and what the
// outbox relays is read off the bus.

const log = createLogger('shipping', (process.env['TEST_LOG_LEVEL'] as 'silent' | undefined) ?? 'silent');
const config = loadShippingConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' });
const metrics = createMetrics('shipping');

let database: ShippingTestDatabase;
let prisma: PrismaClient;
let bus: MessageBus;
let relay: OutboxRelay;
let consumers: Consumer[] = [];
let server: SubgraphServer;
let url: string;

/** Ids of the order events the consumer has finished with, one entry per delivery. */
const handled: string[] = [];
/** OrderShipped / OrderDelivered as the relay published them. */
const published: Envelope[] = [];

const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };
const stranger: Viewer = { id: randomUUID(), role: 'CUSTOMER' };

beforeAll(async () => {
  // The relay's polling is not part of any request: only the requests' statements are counted.
  database = await openShippingTestDatabase({ onQuery: (sql) => void (sql.includes('"OutboxMessage"') || metrics.sqlStatements.inc()) });
  prisma = database.prisma;
  bus = createInProcessBus({ log });
  relay = startOutboxRelay({ prisma, bus, log });
  const events = orderEvents({ prisma, log });
  const handle = dispatcher(events, log);
  consumers = [
    await bus.consume(events.queue, bindingsOf(events), async (message) => {
      await handle(message);
      handled.push(message.id);
    }),
    await bus.consume('test.shipping-events', [OrderShipped.route, OrderDelivered.route], async (message) => void published.push(message)),
  ];
  const health = [{ name: 'database', check: async () => void (await prisma.$queryRawUnsafe('SELECT 1')) }];
  server = await createModuleServer(shipping, { config, prisma, log, metrics, health, bus, outbox: createOutbox(() => relay.kick()) });
  url = `${await server.listen(0, '127.0.0.1')}/graphql`;
});

afterAll(async () => {
  await server?.stop();
  for (const consumer of consumers) await consumer.cancel();
  await relay?.stop();
  await bus?.close();
  await database?.close();
});

// ---- helpers ----

const confirmed = (orderId: string, customerId: string) => envelopeOf(OrderConfirmed, { orderId, customerId }, { 'correlation-id': orderId, 'x-request-id': `req-${orderId}` });
const cancelled = (orderId: string, customerId: string, reason = 'CANCELLED_BY_CUSTOMER') =>
  envelopeOf(OrderCancelled, { orderId, customerId, reason }, { 'correlation-id': orderId });

/** Publishes the event and waits until the consumer has handled this delivery of it. */
async function deliver(message: Envelope): Promise<void> {
  const before = handled.filter((id) => id === message.id).length;
  await bus.publish(message);
  await waitFor(
    async () => handled.filter((id) => id === message.id).length,
    (count) => count > before,
    { what: `delivery of ${message.type}` },
  );
}

/** A customer and their order, confirmed: shippable. */
async function confirmedOrder(): Promise<{ orderId: string; customerId: string; event: Envelope }> {
  const orderId = randomUUID();
  const customerId = randomUUID();
  const event = confirmed(orderId, customerId);
  await deliver(event);
  return { orderId, customerId, event };
}

async function call<TData>(query: string, variables: Record<string, unknown>, viewer: Viewer | null, requestId: string = randomUUID()): Promise<GraphQLResponse<TData>> {
  const token = await signGatewayCredential('shipping', config.gatewaySecret, { viewer, requestId });
  return graphql<TData>(url, query, variables, { headers: { [GATEWAY_CREDENTIAL_HEADER]: token } });
}

const SHIPMENT_FIELDS = 'id carrier trackingNumber status shippedAt deliveredAt events { status description at }';
const SHIP_ORDER = `mutation Ship($orderId: ID!, $carrier: Carrier!) { shipOrder(orderId: $orderId, carrier: $carrier) { ${SHIPMENT_FIELDS} } }`;
const MARK_DELIVERED = `mutation Deliver($shipmentId: ID!) { markDelivered(shipmentId: $shipmentId) { ${SHIPMENT_FIELDS} } }`;
const ORDER_SHIPMENTS = `query Orders($representations: [_Any!]!) { _entities(representations: $representations) { ... on Order { id shipment { ${SHIPMENT_FIELDS} } } } }`;

interface ShipmentView {
  id: string;
  carrier: string;
  trackingNumber: string;
  status: string;
  shippedAt: string;
  deliveredAt: string | null;
  events: { status: string; description: string; at: string }[];
}

const shipOrder = (orderId: string, carrier: string, viewer: Viewer | null = admin, requestId?: string) =>
  call<{ shipOrder: ShipmentView }>(SHIP_ORDER, { orderId, carrier }, viewer, requestId);
const markDelivered = (shipmentId: string, viewer: Viewer | null = admin) => call<{ markDelivered: ShipmentView }>(MARK_DELIVERED, { shipmentId }, viewer);
const orderShipments = (orderIds: string[], viewer: Viewer | null) =>
  call<{ _entities: { id: string; shipment: ShipmentView | null }[] }>(ORDER_SHIPMENTS, { representations: orderIds.map((id) => ({ __typename: 'Order', id })) }, viewer);

const outboxRowsFor = async (orderId: string) =>
  (await prisma.outboxMessage.findMany({ orderBy: { occurredAt: 'asc' } })).filter((row) => (row.payload as { orderId?: string }).orderId === orderId);
const publishedFor = (orderId: string) => published.filter((message) => (message.payload as { orderId?: string }).orderId === orderId);
const shippableStatus = async (orderId: string) => (await prisma.shippableOrder.findUnique({ where: { orderId } }))?.status ?? null;

// ---- tests ----

describe('orders events', () => {
  it('makes a confirmed order shippable, for its customer', async () => {
    const { orderId, customerId } = await confirmedOrder();
    expect(await prisma.shippableOrder.findUnique({ where: { orderId } })).toMatchObject({ orderId, customerId, status: 'CONFIRMED' });
  });

  it('ignores a duplicate OrderConfirmed: the redelivery is not handled again, a republished one changes nothing', async () => {
    const { orderId, customerId, event } = await confirmedOrder();
    const shipped = await shipOrder(orderId, 'UPS');
    expect(shipped.errors).toBeUndefined();

    await deliver(event); // the same message again
    await deliver(confirmed(orderId, customerId)); // the same event under a new message id
    expect(await shippableStatus(orderId)).toBe('SHIPPED');
    expect(await prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await prisma.inboxMessage.count({ where: { consumer: ORDER_EVENTS_QUEUE, messageId: event.id } })).toBe(1);
  });

  it('keeps a cancellation that overtook the confirmation, and cancels a shipped order', async () => {
    const overtaken = randomUUID();
    const customerId = randomUUID();
    await deliver(cancelled(overtaken, customerId, 'OUT_OF_STOCK'));
    await deliver(confirmed(overtaken, customerId));
    expect(await shippableStatus(overtaken)).toBe('CANCELLED');

    const { orderId } = await confirmedOrder();
    expect((await shipOrder(orderId, 'DHL')).errors).toBeUndefined();
    await deliver(cancelled(orderId, customerId, 'CANCELLED_BY_ADMIN'));
    expect(await shippableStatus(orderId)).toBe('CANCELLED');
  });
});

describe('shipOrder', () => {
  it('ships a CONFIRMED order: one shipment and its first event, the order SHIPPED, one OrderShipped', async () => {
    const { orderId, customerId } = await confirmedOrder();
    const requestId = randomUUID();
    const response = await shipOrder(orderId, 'FEDEX', admin, requestId);
    expect(response.errors).toBeUndefined();
    const shipment = response.data!.shipOrder;
    expect(shipment).toMatchObject({ carrier: 'FEDEX', status: 'SHIPPED', deliveredAt: null });
    expect(shipment.trackingNumber).toMatch(TRACKING_NUMBER);
    expect(shipment.trackingNumber.startsWith('FEDEX-')).toBe(true);
    expect(shipment.events).toEqual([{ status: 'SHIPPED', description: `Handed to FEDEX, tracking number ${shipment.trackingNumber}.`, at: shipment.shippedAt }]);

    expect(await prisma.shipment.findMany({ where: { orderId } })).toEqual([expect.objectContaining({ id: shipment.id, customerId })]);
    expect(await shippableStatus(orderId)).toBe('SHIPPED');
    const rows = await outboxRowsFor(orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ routingKey: OrderShipped.route, type: 'OrderShipped' });

    const [event] = await waitFor(
      async () => publishedFor(orderId),
      (events) => events.length >= 1,
      { what: 'OrderShipped on the bus' },
    );
    expect(OrderShipped.schema.parse(event?.payload)).toEqual({
      orderId,
      customerId,
      shipmentId: shipment.id,
      carrier: 'FEDEX',
      trackingNumber: shipment.trackingNumber,
      at: shipment.shippedAt,
    });
    expect(event?.headers).toEqual({ 'correlation-id': orderId, 'x-request-id': requestId });
  });

  it('gives every shipment its own tracking number, prefixed with its carrier', async () => {
    const numbers: string[] = [];
    for (const carrier of ['UPS', 'FEDEX', 'DHL', 'USPS']) {
      const { orderId } = await confirmedOrder();
      const response = await shipOrder(orderId, carrier);
      expect(response.errors).toBeUndefined();
      expect(response.data?.shipOrder.trackingNumber).toMatch(new RegExp(`^${carrier}-[0-9A-Z]{12}$`));
      numbers.push(response.data!.shipOrder.trackingNumber);
    }
    expect(new Set(numbers).size).toBe(4);
  });

  it('refuses an order shipping never heard of, or a cancelled one, with ORDER_NOT_SHIPPABLE, writing nothing', async () => {
    const unknown = randomUUID();
    const neverHeard = await shipOrder(unknown, 'UPS');
    expect(neverHeard.data).toBeNull();
    expect(errorCodes(neverHeard)).toEqual(['ORDER_NOT_SHIPPABLE']);
    expect(neverHeard.errors?.[0]?.message).toMatch(/has not heard of order .* as confirmed/);
    expect(neverHeard.errors?.[0]?.extensions).toMatchObject({ orderId: unknown, status: null });

    const { orderId, customerId } = await confirmedOrder();
    await deliver(cancelled(orderId, customerId));
    const refused = await shipOrder(orderId, 'UPS');
    expect(errorCodes(refused)).toEqual(['ORDER_NOT_SHIPPABLE']);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ orderId, status: 'CANCELLED' });

    for (const id of [unknown, orderId]) {
      expect(await prisma.shipment.count({ where: { orderId: id } })).toBe(0);
      expect(await outboxRowsFor(id)).toEqual([]);
    }
    expect(await shippableStatus(orderId)).toBe('CANCELLED');
    expect(errorCodes(await shipOrder('not-an-id', 'UPS'))).toEqual(['BAD_USER_INPUT']);
  });

  it('ships an order once: a second request is refused, and of concurrent ones only one succeeds', async () => {
    const { orderId } = await confirmedOrder();
    const first = await shipOrder(orderId, 'UPS');
    expect(first.errors).toBeUndefined();
    const second = await shipOrder(orderId, 'DHL');
    expect(errorCodes(second)).toEqual(['ORDER_NOT_SHIPPABLE']);
    expect(second.errors?.[0]?.extensions).toMatchObject({ orderId, status: 'SHIPPED' });
    expect(await prisma.shipment.findMany({ where: { orderId } })).toEqual([expect.objectContaining({ id: first.data?.shipOrder.id, carrier: 'UPS' })]);
    expect(await outboxRowsFor(orderId)).toHaveLength(1);

    const raced = await confirmedOrder();
    const responses = await Promise.all(Array.from({ length: 5 }, () => shipOrder(raced.orderId, 'USPS')));
    expect(responses.filter((response) => response.errors === undefined)).toHaveLength(1);
    expect(responses.flatMap(errorCodes)).toEqual(Array(4).fill('ORDER_NOT_SHIPPABLE'));
    expect(await prisma.shipment.count({ where: { orderId: raced.orderId } })).toBe(1);
    expect(await outboxRowsFor(raced.orderId)).toHaveLength(1);
  });

  it('is for admins only', async () => {
    const { orderId, customerId } = await confirmedOrder();
    expect(errorCodes(await shipOrder(orderId, 'UPS', { id: customerId, role: 'CUSTOMER' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await shipOrder(orderId, 'UPS', null))).toEqual(['UNAUTHENTICATED']);
    expect(await shippableStatus(orderId)).toBe('CONFIRMED');
    expect(await prisma.shipment.count({ where: { orderId } })).toBe(0);
  });
});

describe('markDelivered', () => {
  it('delivers once: DELIVERED, a second event and one OrderDelivered; again returns it unchanged', async () => {
    const { orderId, customerId } = await confirmedOrder();
    const shipment = (await shipOrder(orderId, 'DHL')).data!.shipOrder;

    const delivered = await markDelivered(shipment.id);
    expect(delivered.errors).toBeUndefined();
    const view = delivered.data!.markDelivered;
    expect(view).toMatchObject({ id: shipment.id, status: 'DELIVERED', trackingNumber: shipment.trackingNumber, shippedAt: shipment.shippedAt });
    expect(view.deliveredAt).not.toBeNull();
    expect(view.events).toEqual([shipment.events[0], { status: 'DELIVERED', description: 'Delivered by DHL.', at: view.deliveredAt }]);
    expect(await shippableStatus(orderId)).toBe('DELIVERED');

    const again = await markDelivered(shipment.id);
    expect(again.errors).toBeUndefined();
    expect(again.data?.markDelivered).toEqual(view);

    const rows = await outboxRowsFor(orderId);
    expect(rows.map((row) => row.type)).toEqual(['OrderShipped', 'OrderDelivered']);
    const events = await waitFor(
      async () => publishedFor(orderId),
      (found) => found.length >= 2,
      { what: 'OrderDelivered on the bus' },
    );
    await relay.flush();
    expect(publishedFor(orderId).map((event) => event.type)).toEqual(['OrderShipped', 'OrderDelivered']);
    expect(OrderDelivered.schema.parse(events[1]?.payload)).toEqual({ orderId, customerId, shipmentId: shipment.id, at: view.deliveredAt });
  });

  it('is NOT_FOUND for a shipment that does not exist, and for admins only', async () => {
    expect(errorCodes(await markDelivered(randomUUID()))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await markDelivered('not-an-id'))).toEqual(['NOT_FOUND']);

    const { orderId, customerId } = await confirmedOrder();
    const shipment = (await shipOrder(orderId, 'UPS')).data!.shipOrder;
    expect(errorCodes(await markDelivered(shipment.id, { id: customerId, role: 'CUSTOMER' }))).toEqual(['FORBIDDEN']);
    expect((await prisma.shipment.findUniqueOrThrow({ where: { id: shipment.id } })).status).toBe('SHIPPED');
  });
});

describe('Order.shipment', () => {
  it("shows the order's customer and admins the shipment; anyone else gets null and FORBIDDEN", async () => {
    const { orderId, customerId } = await confirmedOrder();
    const shipment = (await shipOrder(orderId, 'USPS')).data!.shipOrder;

    for (const viewer of [{ id: customerId, role: 'CUSTOMER' } as const, admin]) {
      const response = await orderShipments([orderId], viewer);
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities).toEqual([{ id: orderId, shipment }]);
    }

    const refused = await orderShipments([orderId], stranger);
    expect(refused.data?._entities).toEqual([{ id: orderId, shipment: null }]);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0]?.path).toEqual(['_entities', 0, 'shipment']);

    const anonymous = await orderShipments([orderId], null);
    expect(anonymous.data?._entities).toEqual([{ id: orderId, shipment: null }]);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it('is null without an error for an order that has not shipped', async () => {
    const { orderId } = await confirmedOrder();
    for (const viewer of [admin, stranger, null]) {
      const response = await orderShipments([orderId, randomUUID(), 'not-a-uuid'], viewer);
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities.map((order) => order.shipment)).toEqual([null, null, null]);
    }
  });

  it('loads a batch of orders with two SQL statements (shipments, their events), whatever its size', async () => {
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { orderId } = await confirmedOrder();
      expect((await shipOrder(orderId, 'UPS')).errors).toBeUndefined();
      orderIds.push(orderId);
    }
    const sqlFor = async (ids: string[]) => {
      const before = (await metrics.sqlStatements.get()).values[0]?.value ?? 0;
      const response = await orderShipments(ids, admin);
      expect(response.errors).toBeUndefined();
      return ((await metrics.sqlStatements.get()).values[0]?.value ?? 0) - before;
    };
    expect(await sqlFor(orderIds.slice(0, 1))).toBe(2);
    expect(await sqlFor([...orderIds, ...Array.from({ length: 47 }, () => randomUUID())])).toBe(2);
  });
});
