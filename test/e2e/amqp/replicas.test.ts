// Replicas on one machine: two gateways (the second a process of its own) and two replicas of
// orders sharing the PostgreSQL database and the RabbitMQ queues. Orders placed through either
// gateway land on either replica; every saga message is handled once; the gateways share one
// rate-limit budget and each other's subscription events. RabbitMQ only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubgraph, type RunningSubgraph } from '../../../common/service/start-subgraph.ts';
import type { PrismaHandle } from '../../../common/service/subgraph-module.ts';
import { demoProducts } from '../../../prisma/seed-data.ts';
import type { PrismaClient as InventoryPrisma } from '../../../subgraphs/inventory/generated/prisma/client.ts';
import type { PrismaClient as OrdersPrisma } from '../../../subgraphs/orders/generated/prisma/client.ts';
import type { PrismaClient as PaymentsPrisma } from '../../../subgraphs/payments/generated/prisma/client.ts';
import { orders } from '../../../subgraphs/orders/service.ts';
import { gatewayEnvFor, startGatewayProcess, type GatewayProcess } from '../../support/service-process.ts';
import { logInAsCustomer } from '../../support/sessions.ts';
import { placeOrder, waitForOrderStatus } from '../../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../support/test-supergraph.ts';
import { waitFor } from '../../support/wait-for.ts';
import { collect, wsClient } from '../../support/subscriptions.ts';

let supergraph: TestSupergraph;
let secondOrders: RunningSubgraph<PrismaHandle>;
let secondGateway: GatewayProcess;

beforeAll(async () => {
  // Both gateways trust the loopback proxy (so a test can speak for several client addresses)
  // and share one small anonymous budget in Redis.
  supergraph = await startTestSupergraph({ env: { TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_ANONYMOUS_POINTS: '10' } });
  // A second orders replica: same database, same queues, its own broker connection and port.
  secondOrders = await startSubgraph(orders, orders.loadConfig({ ...supergraph.env, PORT: '0', HOST: '127.0.0.1', SEED_DEMO_DATA: 'false' }));
  secondGateway = await startGatewayProcess({
    ...gatewayEnvFor(supergraph),
    SUBGRAPH_URL_ORDERS: `${secondOrders.url}/graphql`,
    AMQP_URL: supergraph.env['AMQP_URL']!,
    AMQP_EXCHANGE: supergraph.env['AMQP_EXCHANGE']!,
    AMQP_QUEUE_PREFIX: supergraph.env['AMQP_QUEUE_PREFIX']!,
    REDIS_URL: supergraph.env['REDIS_URL']!,
    RATE_LIMIT_KEY_PREFIX: supergraph.env['RATE_LIMIT_KEY_PREFIX']!,
    PLAN_CACHE_KEY_PREFIX: supergraph.env['PLAN_CACHE_KEY_PREFIX']!,
    RATE_LIMIT_USER_POINTS: '1000000',
    RATE_LIMIT_ANONYMOUS_POINTS: '10',
    TRUSTED_PROXIES: '127.0.0.1',
  });
});
afterAll(async () => {
  await secondGateway?.stop();
  await secondOrders?.stop();
  await supergraph?.stop();
});

describe('two gateways and two orders replicas', () => {
  it('share one rate-limit budget through Redis', async () => {
    const gateways = [supergraph.gatewayUrl, secondGateway.url];
    const statuses: number[] = [];
    for (let request = 0; request < 14; request += 1) {
      const response = await fetch(gateways[request % 2]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(4);
  });

  it('deliver an order placed through one gateway to a subscriber on the other', async () => {
    const customer = await logInAsCustomer(supergraph.gatewayUrl);
    await supergraph.stopSubgraph('payments'); // the order waits PENDING until payments returns
    let paymentsBack = false;
    try {
      const id = await placeOrder(secondGateway.url, customer, [{ productId: demoProducts[31]!.id, quantity: 1 }]);
      const client = wsClient(supergraph.gatewayUrl, customer.token);
      try {
        const watching = collect<{ orderStatusChanged: { status: string } }>(client, 'subscription ($id: ID!) { orderStatusChanged(orderId: $id) { status } }', { id });
        await watching.until((results) => results.length === 1);
        await supergraph.startSubgraph('payments');
        paymentsBack = true;
        await watching.until((results) => results.length === 2);
        expect(watching.results.map((result) => result.data?.orderStatusChanged.status)).toEqual(['PENDING', 'CONFIRMED']);
      } finally {
        await client.dispose();
      }
    } finally {
      if (!paymentsBack) await supergraph.startSubgraph('payments');
    }
  });

  it('runs every saga exactly once, whichever replica takes each message', async () => {
    const gateways = [supergraph.gatewayUrl, secondGateway.url];
    const customer = await logInAsCustomer(supergraph.gatewayUrl);
    const product = demoProducts[30]!;
    const inventory = supergraph.subgraphs['inventory']!.prisma as InventoryPrisma;
    const before = await inventory.stockItem.findUniqueOrThrow({ where: { productId: product.id } });
    const count = Math.min(12, before.onHand);
    const ordersDb = supergraph.subgraphs['orders']!.prisma as OrdersPrisma;
    const inboxBefore = await ordersDb.inboxMessage.count({ where: { consumer: 'orders.saga-replies' } });

    const ids = await Promise.all(Array.from({ length: count }, (_, index) => placeOrder(gateways[index % 2]!, customer, [{ productId: product.id, quantity: 1 }])));
    for (const [index, id] of ids.entries()) await waitForOrderStatus(gateways[index % 2]!, customer, id, ['CONFIRMED']);

    const histories = await ordersDb.orderStatusChange.groupBy({ by: ['orderId', 'status'], where: { orderId: { in: ids } }, _count: true });
    expect(histories).toHaveLength(count * 2); // PENDING and CONFIRMED for each order...
    expect(histories.every((entry) => entry._count === 1)).toBe(true); // ...each recorded once

    const payments = supergraph.subgraphs['payments']!.prisma as PaymentsPrisma;
    expect(await payments.payment.count({ where: { orderId: { in: ids }, status: 'CAPTURED' } })).toBe(count);
    const stock = await waitFor(
      () => inventory.stockItem.findUniqueOrThrow({ where: { productId: product.id } }),
      (row) => row.reserved === 0,
      { what: 'every commit' },
    );
    expect(stock).toMatchObject({ onHand: before.onHand - count, reserved: 0 });

    // Whichever replica took a reply, the shared inbox recorded it once.
    const inboxAfter = await ordersDb.inboxMessage.count({ where: { consumer: 'orders.saga-replies' } });
    expect(inboxAfter - inboxBefore).toBe(count * 2); // StockReserved and PaymentCaptured, once each
  });
});
