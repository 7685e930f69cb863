import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentCaptured, ReserveStock } from '../../common/contracts/messages/index.ts';
import { envelopeOf } from '../../common/messaging/catalogue.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import {
  CancelOrderDocument,
  CreateProductDocument,
  MyOrdersDocument,
  OrderDocument,
  PlaceOrderDocument,
  RestockDocument,
  SignUpDocument,
  type OrderItemInput,
  type PlaceOrderMutation,
} from '../../sdk/index.ts';
import { errorCodes, graphql, type GraphQLResponse } from '../../test/support/graphql-client.ts';
import { readCounter } from '../../test/support/metrics.ts';
import { logIn, logInAsAdmin, logInAsCustomer, type Session } from '../../test/support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../test/support/test-supergraph.ts';
import { testTiming } from '../../test/support/test-timing.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import type { PrismaClient as InventoryPrisma } from '../inventory/generated/prisma/client.ts';
import type { PrismaClient as PaymentsPrisma } from '../payments/generated/prisma/client.ts';
import type { PrismaClient as OrdersPrisma } from './generated/prisma/client.ts';

let supergraph: TestSupergraph;
let gateway: string;
let admin: Session;
let customer: Session;

// Saga step deadlines, the sweep and the processor timeout come from test/support/test-timing.ts: long
// enough that no order times out by accident on a loaded machine. The step-timeout test moves its
// order's deadline instead of racing a short one.
beforeAll(async () => {
  supergraph = await startTestSupergraph();
  gateway = supergraph.gatewayUrl;
  [admin, customer] = await Promise.all([logInAsAdmin(gateway), logInAsCustomer(gateway)]);
});
afterAll(() => supergraph?.stop());

const prismaOf = <T>(name: string) => supergraph.subgraphs[name]!.prisma as T;
const stockOf = async (productId: string) => {
  const stock = await prismaOf<InventoryPrisma>('inventory').stockItem.findUniqueOrThrow({ where: { productId } });
  return { onHand: stock.onHand, reserved: stock.reserved };
};
const place = (session: Session, items: { productId: string; quantity: number }[], paymentToken = 'tok_visa', key: string = randomUUID()) =>
  graphql(gateway, PlaceOrderDocument, { input: { items, paymentToken }, idempotencyKey: key }, { token: session.token });
const view = (session: Session, id: string) => graphql(gateway, OrderDocument, { id }, { token: session.token });
const settled = (session: Session, id: string, statuses = ['CONFIRMED', 'CANCELLED']) =>
  waitFor(
    () => view(session, id),
    (response) => statuses.includes(response.data?.order?.status ?? ''),
    { what: `order ${id} to reach ${statuses.join('/')}` },
  );
const placedId = (response: GraphQLResponse<PlaceOrderMutation>) => {
  expect(response.errors).toBeUndefined();
  return response.data!.placeOrder.id;
};

describe('the order saga', () => {
  it('confirms an order: stock committed, payment captured, all in one gateway query', async () => {
    const [first, second] = [demoProducts[0]!, demoProducts[1]!];
    const [stockBefore1, stockBefore2] = [await stockOf(first.id), await stockOf(second.id)];
    const placed = await place(customer, [
      { productId: first.id, quantity: 2 },
      { productId: second.id, quantity: 1 },
    ]);
    expect(placed.data?.placeOrder.status).toBe('PENDING');
    const expectedTotal = first.priceAmount * 2 + second.priceAmount;
    expect(placed.data?.placeOrder.total).toEqual({ amount: expectedTotal, currency: 'USD' });

    const { data, errors } = await settled(customer, placedId(placed));
    expect(errors).toBeUndefined();
    const order = data!.order!;
    expect(order.status).toBe('CONFIRMED');
    expect(order.payment).toEqual({ status: 'CAPTURED', amount: { amount: expectedTotal, currency: 'USD' }, cardLast4: '4242', failureReason: null });
    expect(order.items.map((item) => [item.product.name, item.quantity, item.unitPrice.amount])).toEqual(
      [
        [first.name, 2, first.priceAmount],
        [second.name, 1, second.priceAmount],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(order.statusHistory.map((change) => change.status)).toEqual(['PENDING', 'CONFIRMED']);
    await waitFor(
      () => stockOf(first.id),
      (stock) => stock.onHand === stockBefore1.onHand - 2 && stock.reserved === 0,
      { what: 'stock commit' },
    );
    expect(await stockOf(second.id)).toEqual({ onHand: stockBefore2.onHand - 1, reserved: 0 });
  });

  it.each([
    ['tok_chargeDeclined', 'CARD_DECLINED'],
    ['tok_chargeDeclinedInsufficientFunds', 'INSUFFICIENT_FUNDS'],
  ])('cancels on %s with the reason, puts the stock back and captures nothing', async (token, reason) => {
    const product = demoProducts[2]!;
    const before = await stockOf(product.id);
    const placed = await place(customer, [{ productId: product.id, quantity: 3 }], token);
    const { data } = await settled(customer, placedId(placed));
    expect(data!.order).toMatchObject({ status: 'CANCELLED', cancellationReason: reason });
    expect(data!.order!.payment?.status).toBe('DECLINED');
    expect(data!.order!.statusHistory.map((change) => [change.status, change.reason])).toEqual([
      ['PENDING', null],
      ['CANCELLED', reason],
    ]);
    await waitFor(
      () => stockOf(product.id),
      (stock) => stock.reserved === before.reserved,
      { what: 'stock release' },
    );
    expect(await stockOf(product.id)).toEqual(before);
    const captured = await prismaOf<PaymentsPrisma>('payments').payment.count({ where: { orderId: data!.order!.id, status: 'CAPTURED' } });
    expect(captured).toBe(0);
  });

  it('never oversells: 30 concurrent orders for 10 units confirm exactly 10', async () => {
    const created = await graphql(
      gateway,
      CreateProductDocument,
      { input: { sku: `LIMITED-${randomUUID().slice(0, 8)}`, name: 'Limited Edition Mug', description: 'Only ten.', priceAmount: 1500, categoryId: demoProducts[0]!.categoryId } },
      { token: admin.token },
    );
    const productId = created.data!.createProduct.id;
    await graphql(gateway, RestockDocument, { productId, quantity: 10 }, { token: admin.token });
    // orders learns the new product's price from catalog's event.
    await waitFor(
      () => prismaOf<OrdersPrisma>('orders').productSnapshot.findUnique({ where: { productId } }),
      (snapshot) => snapshot !== null,
      {
        what: 'the product price to reach orders',
      },
    );

    const placed = await Promise.all(Array.from({ length: 30 }, () => place(customer, [{ productId, quantity: 1 }])));
    const ids = placed.map(placedId);
    // One poller for the thirty, in the orders database (thirty gateway pollers slowed the sagas they
    // wait for); then each order as the customer sees it.
    await waitFor(
      () => prismaOf<OrdersPrisma>('orders').order.findMany({ where: { id: { in: ids } }, select: { status: true } }),
      (rows) => rows.length === ids.length && rows.every((row) => row.status === 'CONFIRMED' || row.status === 'CANCELLED'),
      { what: 'the thirty orders to settle' },
    );
    const outcomes = await Promise.all(ids.map((id) => view(customer, id)));
    const statuses = outcomes.map(({ data }) => data!.order!.status);
    expect(statuses.filter((status) => status === 'CONFIRMED')).toHaveLength(10);
    const cancelled = outcomes.filter(({ data }) => data!.order!.status === 'CANCELLED');
    expect(cancelled).toHaveLength(20);
    expect(new Set(cancelled.map(({ data }) => data!.order!.cancellationReason))).toEqual(new Set(['OUT_OF_STOCK']));
    await waitFor(
      () => stockOf(productId),
      (stock) => stock.reserved === 0,
      { what: 'all commits' },
    );
    expect(await stockOf(productId)).toEqual({ onHand: 0, reserved: 0 });
    // Every cancelled order is compensated: it holds no stock (above) and kept no money.
    const cancelledIds = cancelled.map(({ data }) => data!.order!.id);
    expect(await prismaOf<PaymentsPrisma>('payments').payment.count({ where: { orderId: { in: cancelledIds }, status: 'CAPTURED' } })).toBe(0);
    const confirmedIds = outcomes.filter(({ data }) => data!.order!.status === 'CONFIRMED').map(({ data }) => data!.order!.id);
    expect(await prismaOf<PaymentsPrisma>('payments').payment.count({ where: { orderId: { in: confirmedIds }, status: 'CAPTURED' } })).toBe(10);
  });

  it('refunds and releases when a confirmed order is cancelled', async () => {
    const product = demoProducts[4]!;
    const before = await stockOf(product.id);
    const id = placedId(await place(customer, [{ productId: product.id, quantity: 2 }]));
    await settled(customer, id);
    await waitFor(
      () => stockOf(product.id),
      (stock) => stock.onHand === before.onHand - 2,
      { what: 'stock commit' },
    );

    const cancelled = await graphql(gateway, CancelOrderDocument, { id }, { token: customer.token });
    expect(cancelled.data?.cancelOrder.status).toBe('CANCELLED');
    const { data } = await waitFor(
      () => view(customer, id),
      (response) => response.data?.order?.payment?.status === 'REFUNDED',
      { what: 'the refund' },
    );
    expect(data!.order!.cancellationReason).toBe('CANCELLED_BY_CUSTOMER');
    await waitFor(
      () => stockOf(product.id),
      (stock) => stock.onHand === before.onHand,
      { what: 'stock back on the shelf' },
    );
    expect(await stockOf(product.id)).toEqual(before);
  });
});

// The orders service's saga counters, read from its /metrics (its registry is new after a restart).
const SAGA_SERIES = {
  confirmed: ['saga_outcomes_total', 'outcome="confirmed"'],
  cancelled: ['saga_outcomes_total', 'outcome="cancelled"'],
  reserveSucceeded: ['saga_steps_total', 'step="reserve_stock",result="succeeded"'],
  reserveFailed: ['saga_steps_total', 'step="reserve_stock",result="failed"'],
  chargeSucceeded: ['saga_steps_total', 'step="charge_payment",result="succeeded"'],
  chargeFailed: ['saga_steps_total', 'step="charge_payment",result="failed"'],
  chargeTimedOut: ['saga_steps_total', 'step="charge_payment",result="timed_out"'],
  chargeCancelled: ['saga_steps_total', 'step="charge_payment",result="cancelled"'],
} as const;
type SagaCounts = Record<keyof typeof SAGA_SERIES, number>;
const sagaCounts = async (): Promise<SagaCounts> => {
  const url = supergraph.subgraphs['orders']!.url;
  const entries = await Promise.all(Object.entries(SAGA_SERIES).map(async ([key, [name, label]]) => [key, await readCounter(url, name, label)] as const));
  return Object.fromEntries(entries) as SagaCounts;
};
const plus = (base: SagaCounts, increments: Partial<SagaCounts>): SagaCounts =>
  Object.fromEntries(Object.entries(base).map(([key, value]) => [key, value + (increments[key as keyof SagaCounts] ?? 0)])) as SagaCounts;
/** Waits until every series reached `expected` (a saga is counted just after the order settles), then asks for exactly it. */
const expectSagaCounts = async (expected: SagaCounts) => {
  const reached = await waitFor(sagaCounts, (counts) => Object.entries(expected).every(([key, value]) => counts[key as keyof SagaCounts] >= value), {
    what: `saga counters ${JSON.stringify(expected)}`,
  });
  expect(reached).toEqual(expected);
};

describe('saga outcome metrics', () => {
  it('counts each saga once by its outcome: confirmed, declined, out of stock', async () => {
    const soldOut = demoProducts.find((product) => product.stock === 0)!;
    const before = await sagaCounts();
    const ids = await Promise.all([
      place(customer, [{ productId: demoProducts[3]!.id, quantity: 1 }]),
      place(customer, [{ productId: demoProducts[3]!.id, quantity: 1 }], 'tok_chargeDeclined'),
      place(customer, [{ productId: soldOut.id, quantity: 1 }]),
    ]).then((placed) => placed.map(placedId));
    const orders = await Promise.all(ids.map((id) => settled(customer, id)));
    expect(orders.map(({ data }) => [data!.order!.status, data!.order!.cancellationReason])).toEqual([
      ['CONFIRMED', null],
      ['CANCELLED', 'CARD_DECLINED'],
      ['CANCELLED', 'OUT_OF_STOCK'],
    ]);
    const afterSagas = plus(before, { confirmed: 1, cancelled: 2, reserveSucceeded: 2, reserveFailed: 1, chargeSucceeded: 1, chargeFailed: 1 });
    await expectSagaCounts(afterSagas);

    // Neither a redelivered reply, nor a late duplicate, nor cancelling the confirmed order counts again.
    const confirmedId = ids[0]!;
    const captured = envelopeOf(PaymentCaptured, { orderId: confirmedId, paymentId: randomUUID(), amount: 1, currency: 'USD' });
    const lateCopy = envelopeOf(PaymentCaptured, { orderId: confirmedId, paymentId: randomUUID(), amount: 1, currency: 'USD' });
    for (const message of [captured, captured, lateCopy]) await supergraph.bus.publish(message);
    const inbox = prismaOf<OrdersPrisma>('orders').inboxMessage;
    await waitFor(
      () => inbox.count({ where: { messageId: { in: [captured.id, lateCopy.id] } } }),
      (count) => count === 2,
      { what: 'the repeated replies to be handled' },
    );
    const cancelled = await graphql(gateway, CancelOrderDocument, { id: confirmedId }, { token: customer.token });
    expect(cancelled.data?.cancelOrder.status).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, testTiming.quietMs));
    expect(await sagaCounts()).toEqual(afterSagas);
  });

  it('counts a saga the customer cancels while it waits for payment, once', async () => {
    const before = await sagaCounts();
    await supergraph.stopSubgraph('payments');
    let id: string;
    try {
      id = placedId(await place(customer, [{ productId: demoProducts[3]!.id, quantity: 1 }]));
      await waitFor(
        () => prismaOf<OrdersPrisma>('orders').order.findUniqueOrThrow({ where: { id } }),
        (order) => order.sagaStep === 'CHARGING_PAYMENT',
        {
          what: 'the saga to reach the payment step',
        },
      );
      const cancelled = await graphql(gateway, CancelOrderDocument, { id }, { token: customer.token });
      expect(cancelled.data?.cancelOrder.status).toBe('CANCELLED');
    } finally {
      await supergraph.startSubgraph('payments');
    }
    const afterCancel = plus(before, { cancelled: 1, reserveSucceeded: 1, chargeCancelled: 1 });
    await expectSagaCounts(afterCancel);
    // Payments then handles the stale charge; whatever it replies changes no count.
    await waitFor(
      () => prismaOf<PaymentsPrisma>('payments').payment.findUnique({ where: { orderId: id } }),
      (row) => row !== null && ['REFUNDED', 'VOIDED'].includes(row.status),
      { what: 'the stale charge to be refunded or voided' },
    );
    await new Promise((resolve) => setTimeout(resolve, testTiming.quietMs));
    expect(await sagaCounts()).toEqual(afterCancel);
  });
});

/**
 * Lets the order's saga step run out of time: once the saga waits at `step`, its deadline moves to
 * the past, as if SAGA_STEP_TIMEOUT_MS had elapsed; the orchestrator's sweeper does the rest. The
 * step's deadline never races the machine's speed.
 */
async function expireStepOnceAt(id: string, step: 'RESERVING_STOCK' | 'CHARGING_PAYMENT') {
  const orders = prismaOf<OrdersPrisma>('orders');
  await waitFor(
    () => orders.order.findUniqueOrThrow({ where: { id } }),
    (order) => order.sagaStep === step,
    { what: `the saga to reach ${step}` },
  );
  const moved = await orders.order.updateMany({ where: { id, status: 'PENDING', sagaStep: step }, data: { sagaDeadline: new Date(Date.now() - 1) } });
  expect(moved.count).toBe(1);
}

describe('crashes and timeouts', () => {
  it('completes the saga when payments comes back after being down', async () => {
    const product = demoProducts[5]!;
    await supergraph.stopSubgraph('payments');
    const id = placedId(await place(customer, [{ productId: product.id, quantity: 1 }]));
    // Stock gets reserved while payments is away; the charge command waits in its queue.
    await waitFor(
      () => prismaOf<OrdersPrisma>('orders').order.findUniqueOrThrow({ where: { id } }),
      (order) => order.sagaStep === 'CHARGING_PAYMENT',
      {
        what: 'the saga to reach the payment step',
      },
    );
    expect((await stockOf(product.id)).reserved).toBe(1);
    await supergraph.startSubgraph('payments');
    const { data } = await settled(customer, id);
    expect(data!.order!.status).toBe('CONFIRMED');
    expect(data!.order!.payment?.status).toBe('CAPTURED');
  });

  it('resumes a saga when the orchestrator restarts', async () => {
    const product = demoProducts[6]!;
    const id = placedId(await place(customer, [{ productId: product.id, quantity: 1 }]));
    await supergraph.stopSubgraph('orders');
    await supergraph.startSubgraph('orders');
    const { data } = await settled(customer, id);
    expect(data!.order!.status).toBe('CONFIRMED');
  });

  it('cancels and compensates an order whose payment step times out; a late charge is refunded', async () => {
    const product = demoProducts[7]!;
    const before = await stockOf(product.id);
    const countsBefore = await sagaCounts();
    await supergraph.stopSubgraph('payments');
    const id = placedId(await place(customer, [{ productId: product.id, quantity: 1 }]));
    await expireStepOnceAt(id, 'CHARGING_PAYMENT');
    const { data } = await settled(customer, id, ['CANCELLED']);
    expect(data!.order!.cancellationReason).toBe('PAYMENT_TIMEOUT');
    const timedOut = plus(countsBefore, { cancelled: 1, reserveSucceeded: 1, chargeTimedOut: 1 });
    await expectSagaCounts(timedOut);
    await waitFor(
      () => stockOf(product.id),
      (stock) => stock.reserved === before.reserved,
      { what: 'stock release' },
    );
    expect(await stockOf(product.id)).toEqual(before);

    await supergraph.startSubgraph('payments');
    // Whatever payments does with the stale charge, it ends refunded or never charged.
    const payment = await waitFor(
      () => prismaOf<PaymentsPrisma>('payments').payment.findUnique({ where: { orderId: id } }),
      (row) => row !== null && ['REFUNDED', 'VOIDED'].includes(row.status),
      { what: 'the stale charge to be refunded or voided' },
    );
    expect(['REFUNDED', 'VOIDED']).toContain(payment!.status);
    expect((await view(customer, id)).data!.order!.status).toBe('CANCELLED');
    // The late charge's reply is compensated, not counted as a second ending of the saga.
    expect(await sagaCounts()).toEqual(timedOut);
  });

  it('cancels with PROCESSOR_TIMEOUT when the card processor never answers', async () => {
    const product = demoProducts[10]!;
    const before = await stockOf(product.id);
    const id = placedId(await place(customer, [{ productId: product.id, quantity: 1 }], 'tok_processorTimeout'));
    const { data } = await settled(customer, id);
    expect(data!.order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PROCESSOR_TIMEOUT' });
    await waitFor(
      () => stockOf(product.id),
      (stock) => stock.reserved === before.reserved,
      { what: 'stock release' },
    );
  });
});

describe('at-least-once delivery', () => {
  it('changes nothing when the same reply or command is delivered twice', async () => {
    const product = demoProducts[11]!;
    const id = placedId(await place(customer, [{ productId: product.id, quantity: 1 }]));
    await settled(customer, id);
    const orders = prismaOf<OrdersPrisma>('orders');
    await waitFor(
      () => stockOf(product.id),
      (stock) => stock.reserved === 0,
      { what: 'stock commit' },
    );
    const historyBefore = await orders.orderStatusChange.count({ where: { orderId: id } });
    const stockBefore = await stockOf(product.id);

    const captured = envelopeOf(PaymentCaptured, { orderId: id, paymentId: randomUUID(), amount: 1, currency: 'USD' });
    const reserve = envelopeOf(ReserveStock, { orderId: id, items: [{ productId: product.id, quantity: 1 }] });
    for (let copy = 0; copy < 2; copy += 1) {
      await supergraph.bus.publish(captured);
      await supergraph.bus.publish(reserve);
    }
    // Let both consumers see both copies: the inbox records the reply once.
    await waitFor(
      () => orders.inboxMessage.count({ where: { messageId: captured.id } }),
      (count) => count === 1,
      { what: 'the duplicate reply to be handled' },
    );
    await new Promise((resolve) => setTimeout(resolve, testTiming.quietMs));
    expect(await orders.orderStatusChange.count({ where: { orderId: id } })).toBe(historyBefore);
    expect((await orders.order.findUniqueOrThrow({ where: { id } })).status).toBe('CONFIRMED');
    expect(await stockOf(product.id)).toEqual(stockBefore);
  });
});

describe('placeOrder input', () => {
  it('returns the first order for a retried idempotency key, and refuses the key with other input', async () => {
    const key = randomUUID();
    const items = [{ productId: demoProducts[12]!.id, quantity: 1 }];
    const attempts = await Promise.all([place(customer, items, 'tok_visa', key), place(customer, items, 'tok_visa', key)]);
    const again = await place(customer, items, 'tok_visa', key);
    const ids = new Set([...attempts, again].map(placedId));
    expect(ids.size).toBe(1);
    expect(await prismaOf<OrdersPrisma>('orders').order.count({ where: { idempotencyKey: key } })).toBe(1);

    const different = await place(customer, [{ productId: demoProducts[12]!.id, quantity: 2 }], 'tok_visa', key);
    expect(errorCodes(different)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  });

  it('refuses bad input with a clear code and writes nothing', async () => {
    const orders = prismaOf<OrdersPrisma>('orders');
    // Other orders' sagas may still be publishing; what must not appear is a new order or its first messages.
    const written = async () => ({
      orders: await orders.order.count(),
      sagaStarts: await orders.outboxMessage.count({ where: { type: { in: ['OrderPlaced', 'ReserveStock'] } } }),
    });
    const before = await written();
    const product = demoProducts[13]!.id;
    const cases: [OrderItemInput[], string][] = [
      [[{ productId: randomUUID(), quantity: 1 }], 'UNKNOWN_PRODUCT'],
      [[{ productId: 'not-a-product', quantity: 1 }], 'UNKNOWN_PRODUCT'],
      [[{ productId: product, quantity: 0 }], 'BAD_USER_INPUT'],
      [[{ productId: product, quantity: -2 }], 'BAD_USER_INPUT'],
      [[], 'BAD_USER_INPUT'],
      [Array.from({ length: 10_000 }, () => ({ productId: product, quantity: 1 })), 'BAD_USER_INPUT'],
    ];
    for (const [items, code] of cases) {
      const response = await graphql(gateway, PlaceOrderDocument, { input: { items, paymentToken: 'tok_visa' }, idempotencyKey: randomUUID() }, { token: customer.token });
      expect(errorCodes(response), JSON.stringify(items).slice(0, 80)).toEqual([code]);
    }
    const anonymous = await graphql(gateway, PlaceOrderDocument, { input: { items: [{ productId: product, quantity: 1 }], paymentToken: 'tok_visa' }, idempotencyKey: 'k' });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await written()).toEqual(before);
  });

  it("hides someone else's order and refuses to cancel it", async () => {
    const id = placedId(await place(customer, [{ productId: demoProducts[14]!.id, quantity: 1 }]));
    const stranger = await logIn(gateway, ...(await signUpStranger()));
    const read = await view(stranger, id);
    expect(errorCodes(read)).toEqual(['NOT_FOUND']);
    const cancel = await graphql(gateway, CancelOrderDocument, { id }, { token: stranger.token });
    expect(errorCodes(cancel)).toEqual(['NOT_FOUND']);
    expect((await view(admin, id)).data?.order?.id).toBe(id);
  });
});

describe("a user's orders", () => {
  it('lists the signed-in customer’s orders, newest first, and hides them from others', async () => {
    const response = await graphql(gateway, MyOrdersDocument, { first: 5 }, { token: customer.token });
    expect(response.errors).toBeUndefined();
    const edges = response.data!.me!.orders!.edges;
    expect(edges.length).toBe(5);
    expect(response.data!.me!.orders!.totalCount).toBeGreaterThan(5);
    const times = edges.map(({ node }) => node.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    const asAdmin = await graphql<{ user: { orders: unknown } }>(
      gateway,
      `query ($id: ID!) { user(id: $id) { orders(first: 1) { totalCount } } }`,
      { id: customer.userId },
      { token: admin.token },
    );
    expect(asAdmin.errors).toBeUndefined();
    const stranger = await logIn(gateway, ...(await signUpStranger()));
    const asStranger = await graphql<{ user: { orders: unknown } }>(
      gateway,
      `query ($id: ID!) { user(id: $id) { orders(first: 1) { totalCount } } }`,
      { id: customer.userId },
      { token: stranger.token },
    );
    expect(asStranger.data?.user.orders).toBeNull();
    expect(errorCodes(asStranger)).toEqual(['FORBIDDEN']);
  });
});

async function signUpStranger(): Promise<[string, string]> {
  const email = `stranger-${randomUUID()}@shop.test`;
  const password = 'stranger password';
  const response = await graphql(gateway, SignUpDocument, { input: { email, password, name: 'Stranger' } });
  expect(response.errors).toBeUndefined();
  return [email, password];
}
