import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { createOutbox } from '../../common/messaging/outbox-publisher.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createModuleServer } from '../../common/service/start-subgraph.ts';
import type { SubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { Viewer } from '../../common/viewer.ts';
import { errorCodes, graphql, type GraphQLResponse } from '../../test/support/graphql-client.ts';
import { loadPaymentsConfig } from './config.ts';
import type { Payment, PrismaClient } from './generated/prisma/client.ts';
import { openPaymentsTestDatabase, type PaymentsTestDatabase } from './payments-test-database.ts';
import { payments } from './service.ts';

// Order.payment as the gateway fetches it (`_entities`), on the payments subgraph alone: the orders
// subgraph that owns Order is not needed to check what payments contributes and who may see it.

const log = createLogger('payments', 'silent');
const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' });
const metrics = createMetrics('payments');

let database: PaymentsTestDatabase;
let prisma: PrismaClient;
let bus: MessageBus;
let server: SubgraphServer;
let url: string;

const owner: Viewer = { id: randomUUID(), role: 'CUSTOMER' };
const stranger: Viewer = { id: randomUUID(), role: 'CUSTOMER' };
const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };
let captured: Payment;
let declined: Payment;
let voided: Payment;

beforeAll(async () => {
  database = await openPaymentsTestDatabase({ onQuery: () => metrics.sqlStatements.inc() });
  prisma = database.prisma;
  bus = createInProcessBus({ log });
  const health = [{ name: 'database', check: async () => void (await prisma.$queryRawUnsafe('SELECT 1')) }];
  server = await createModuleServer(payments, { config, prisma, log, metrics, health, bus, outbox: createOutbox(() => {}) });
  url = `${await server.listen(0, '127.0.0.1')}/graphql`;

  const base = { customerId: owner.id, amount: 2599, currency: 'USD' };
  captured = await prisma.payment.create({
    data: { ...base, orderId: randomUUID(), status: 'CAPTURED', cardLast4: '4242', processorReference: 'ch_sim_000000000000000000000001' },
  });
  declined = await prisma.payment.create({
    data: { ...base, orderId: randomUUID(), status: 'DECLINED', cardLast4: '0002', failureReason: 'CARD_DECLINED' },
  });
  voided = await prisma.payment.create({ data: { orderId: randomUUID(), amount: 0, currency: 'XXX', status: 'VOIDED' } });
});

afterAll(async () => {
  await server?.stop();
  await bus?.close();
  await database?.close();
});

const ORDER_PAYMENTS = /* GraphQL */ `
  query OrderPayments($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Order { id payment { id status amount { amount currency } cardLast4 failureReason createdAt updatedAt } }
    }
  }
`;

interface OrderPayment {
  id: string;
  payment: { id: string; status: string; amount: { amount: number; currency: string }; cardLast4: string | null; failureReason: string | null } | null;
}

async function orderPayments(orderIds: string[], viewer: Viewer | null): Promise<GraphQLResponse<{ _entities: OrderPayment[] }>> {
  const token = await signGatewayCredential('payments', config.gatewaySecret, { viewer, requestId: randomUUID() });
  return graphql(
    url,
    ORDER_PAYMENTS,
    { representations: orderIds.map((id) => ({ __typename: 'Order', id })) },
    {
      headers: { [GATEWAY_CREDENTIAL_HEADER]: token },
    },
  );
}

describe('Order.payment', () => {
  it("shows the order's customer their payment", async () => {
    const response = await orderPayments([captured.orderId, declined.orderId], owner);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities).toEqual([
      {
        id: captured.orderId,
        payment: expect.objectContaining({
          id: captured.id,
          status: 'CAPTURED',
          amount: { amount: 2599, currency: 'USD' },
          cardLast4: '4242',
          failureReason: null,
          createdAt: captured.createdAt.toISOString(),
        }),
      },
      { id: declined.orderId, payment: expect.objectContaining({ status: 'DECLINED', failureReason: 'CARD_DECLINED' }) },
    ]);
  });

  it('refuses anyone else: null and one FORBIDDEN error per payment', async () => {
    const response = await orderPayments([captured.orderId], stranger);
    expect(response.data?._entities).toEqual([{ id: captured.orderId, payment: null }]);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors?.[0]?.path).toEqual(['_entities', 0, 'payment']);

    const anonymous = await orderPayments([captured.orderId], null);
    expect(anonymous.data?._entities).toEqual([{ id: captured.orderId, payment: null }]);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it('shows an admin every payment, a VOIDED tombstone included', async () => {
    const response = await orderPayments([captured.orderId, voided.orderId], admin);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities.map((order) => order.payment?.status)).toEqual(['CAPTURED', 'VOIDED']);
    expect(response.data?._entities[1]?.payment?.amount).toEqual({ amount: 0, currency: 'XXX' });

    // A tombstone whose charge never came has no customer: only admins see it.
    const asCustomer = await orderPayments([voided.orderId], owner);
    expect(asCustomer.data?._entities).toEqual([{ id: voided.orderId, payment: null }]);
    expect(errorCodes(asCustomer)).toEqual(['FORBIDDEN']);
  });

  it('is null without an error for an order that has no payment (yet)', async () => {
    for (const viewer of [owner, stranger, null]) {
      const response = await orderPayments([randomUUID(), 'not-a-uuid'], viewer);
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities.map((order) => order.payment)).toEqual([null, null]);
    }
  });

  it('loads a whole batch of orders with one SQL query, whatever its size', async () => {
    const sqlFor = async (orderIds: string[]) => {
      const before = (await metrics.sqlStatements.get()).values[0]?.value ?? 0;
      const response = await orderPayments(orderIds, admin);
      expect(response.errors).toBeUndefined();
      return ((await metrics.sqlStatements.get()).values[0]?.value ?? 0) - before;
    };
    const many = [captured.orderId, declined.orderId, voided.orderId, ...Array.from({ length: 47 }, () => randomUUID())];
    expect(await sqlFor(many.slice(0, 3))).toBe(1);
    expect(await sqlFor(many)).toBe(1);
  });
});
