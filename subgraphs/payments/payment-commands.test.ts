import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChargePayment, PaymentCaptured, PaymentFailed, PaymentRefunded, RefundPayment } from '../../common/contracts/messages/index.ts';
import { envelopeOf } from '../../common/messaging/catalogue.ts';
import { createLogger } from '../../common/logger.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { startOutboxRelay } from '../../common/messaging/outbox.ts';
import { createOutbox } from '../../common/messaging/outbox-publisher.ts';
import type { BackgroundWorker } from '../../common/service/subgraph-module.ts';
import { ChargeInProgressError } from './domain/payment-commands.ts';
import { PAYMENT_COMMANDS_QUEUE, createPaymentCommandHandler, startPaymentCommandConsumer } from './handlers/payment-commands.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { openPaymentsTestDatabase, type PaymentsTestDatabase } from './payments-test-database.ts';
import type { CardProcessor } from './domain/processor/card-processor.ts';
import { SimulatedCardProcessor } from './domain/processor/simulated-processor.ts';
import { testTiming } from '../../test/support/test-timing.ts';
import { waitFor } from '../../test/support/wait-for.ts';

// The command handlers against a database of their own (real PostgreSQL; in-memory PGlite when
// TEST_DATABASE=embedded), with the in-process bus and the outbox relay: commands go in through the
// bus, replies come out of the outbox onto the bus.

// How long `tok_processorTimeout` takes to fail, and the retries of a command that must wait: test/support/test-timing.ts.
const PROCESSOR_TIMEOUT_MS = testTiming.paymentProcessorTimeoutMs;
const log = createLogger('payments', (process.env['TEST_LOG_LEVEL'] as 'silent' | undefined) ?? 'silent');

let database: PaymentsTestDatabase;
let prisma: PrismaClient;
let bus: MessageBus;
let relay: { stop(): Promise<void>; kick(): void };
let worker: BackgroundWorker;
const simulated = new SimulatedCardProcessor();
/** The processor the consumer calls: the simulated one, unless a test swaps in a misbehaving one. */
let processor: CardProcessor = simulated;
const replies: Envelope[] = [];

const delegating: CardProcessor = {
  authorize: (...args) => processor.authorize(...args),
  capture: (...args) => processor.capture(...args),
  refund: (...args) => processor.refund(...args),
};

beforeAll(async () => {
  database = await openPaymentsTestDatabase();
  prisma = database.prisma;
  bus = createInProcessBus({ log });
  await bus.consume('test.payment-replies', [PaymentCaptured.route, PaymentFailed.route, PaymentRefunded.route], async (message) => void replies.push(message));
  relay = startOutboxRelay({ prisma, bus, log });
  worker = await startPaymentCommandConsumer(
    bus,
    { prisma, processor: delegating, processorTimeoutMs: PROCESSOR_TIMEOUT_MS, outbox: createOutbox(() => relay.kick()), log },
    testTiming.consumerRetries,
  );
});

afterAll(async () => {
  await worker?.stop();
  await relay?.stop();
  await bus?.close();
  await database?.close();
});

beforeEach(() => {
  processor = simulated;
});

const customerId = randomUUID();

function chargeCommand(orderId: string, paymentToken = 'tok_visa', amount = 4200) {
  return envelopeOf(ChargePayment, { orderId, customerId, amount, currency: 'USD', paymentToken }, { 'correlation-id': orderId, 'x-request-id': `req-${orderId}` });
}

function refundCommand(orderId: string) {
  return envelopeOf(RefundPayment, { orderId, reason: 'order cancelled' }, { 'correlation-id': orderId, 'x-request-id': `req-refund-${orderId}` });
}

const repliesFor = (orderId: string) => replies.filter((reply) => reply.headers['correlation-id'] === orderId);

/** Waits until `count` replies for the order have come out of the outbox, and returns them. */
async function waitForReplies(orderId: string, count: number, timeoutMs: number = testTiming.conditionMs): Promise<Envelope[]> {
  const deadline = Date.now() + timeoutMs;
  while (repliesFor(orderId).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} replies for ${orderId}, got ${JSON.stringify(repliesFor(orderId))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return repliesFor(orderId);
}

/** Replies written to the outbox for the order: exactly what the handlers decided to send. */
const outboxRowsFor = async (orderId: string) =>
  (await prisma.outboxMessage.findMany({ orderBy: { occurredAt: 'asc' } })).filter((row) => (row.payload as { orderId?: string }).orderId === orderId);

const paymentsFor = (orderId: string) => prisma.payment.findMany({ where: { orderId } });

const snapshot = () => ({ calls: { ...simulated.calls }, moved: { ...simulated.moved } });

describe('ChargePayment', () => {
  it('captures a good card: one CAPTURED row and one PaymentCaptured reply, with the context headers', async () => {
    const orderId = randomUUID();
    const before = snapshot();
    await bus.publish(chargeCommand(orderId));
    const [reply] = await waitForReplies(orderId, 1);

    const rows = await paymentsFor(orderId);
    expect(rows).toHaveLength(1);
    const [payment] = rows;
    expect(payment).toMatchObject({ customerId, amount: 4200, currency: 'USD', status: 'CAPTURED', cardLast4: '4242', failureReason: null });
    expect(payment?.processorReference).toMatch(/^ch_sim_/);
    expect(reply).toMatchObject({
      routingKey: PaymentCaptured.route,
      type: 'PaymentCaptured',
      payload: { orderId, paymentId: payment?.id, amount: 4200, currency: 'USD' },
      headers: { 'correlation-id': orderId, 'x-request-id': `req-${orderId}` },
    });
    expect(await outboxRowsFor(orderId)).toHaveLength(1);
    expect(simulated.moved.captures - before.moved.captures).toBe(1);
  });

  it.each([
    ['tok_chargeDeclined', 'DECLINED', 'CARD_DECLINED', '0002'],
    ['tok_chargeDeclinedInsufficientFunds', 'DECLINED', 'INSUFFICIENT_FUNDS', '9995'],
    ['tok_unknown', 'FAILED', 'INVALID_PAYMENT_METHOD', null],
    ['tok_processorTimeout', 'FAILED', 'PROCESSOR_TIMEOUT', null],
  ] as const)('refuses %s: %s with %s, a PaymentFailed reply and no capture', async (token, status, reason, cardLast4) => {
    const orderId = randomUUID();
    const before = snapshot();
    await bus.publish(chargeCommand(orderId, token));
    const [reply] = await waitForReplies(orderId, 1);
    expect(await paymentsFor(orderId)).toEqual([expect.objectContaining({ status, failureReason: reason, cardLast4, processorReference: null })]);
    expect(reply).toMatchObject({ routingKey: PaymentFailed.route, type: 'PaymentFailed', payload: { orderId, reason } });
    expect(simulated.moved.captures).toBe(before.moved.captures);
  });

  it('answers a duplicate command from the row: still one payment, one processor charge, the same reply', async () => {
    const orderId = randomUUID();
    const before = snapshot();
    const command = chargeCommand(orderId);
    await bus.publish(command);
    await waitForReplies(orderId, 1);
    await bus.publish(command); // a redelivery: the same message again
    await bus.publish(chargeCommand(orderId)); // the saga sending the command again
    const replies = await waitForReplies(orderId, 3);

    expect(await paymentsFor(orderId)).toHaveLength(1);
    expect(simulated.calls.authorize - before.calls.authorize).toBe(1);
    expect(simulated.moved.captures - before.moved.captures).toBe(1);
    expect(new Set(replies.map((reply) => JSON.stringify([reply.type, reply.payload])))).toHaveProperty('size', 1);
  });

  it('charges once when duplicates arrive together', async () => {
    const orderId = randomUUID();
    const before = snapshot();
    await Promise.all([1, 2, 3].map(() => bus.publish(chargeCommand(orderId))));
    const replies = await waitForReplies(orderId, 3);
    expect(await paymentsFor(orderId)).toHaveLength(1);
    expect(simulated.moved.captures - before.moved.captures).toBe(1);
    expect(replies.every((reply) => reply.type === 'PaymentCaptured')).toBe(true);
  });
});

describe('RefundPayment', () => {
  it('refunds a captured payment: REFUNDED and PaymentRefunded; a repeated refund refunds nothing more', async () => {
    const orderId = randomUUID();
    await bus.publish(chargeCommand(orderId));
    const [captured] = await waitForReplies(orderId, 1);
    const before = snapshot();

    await bus.publish(refundCommand(orderId));
    const [, refunded] = await waitForReplies(orderId, 2);
    const [payment] = await paymentsFor(orderId);
    expect(payment).toMatchObject({ status: 'REFUNDED', amount: 4200 });
    expect(payment?.refundedAt).toBeInstanceOf(Date);
    expect(refunded).toMatchObject({
      routingKey: PaymentRefunded.route,
      type: 'PaymentRefunded',
      payload: { orderId, paymentId: payment?.id, amount: 4200 },
      headers: { 'correlation-id': orderId, 'x-request-id': `req-refund-${orderId}` },
    });
    expect(captured?.payload).toMatchObject({ paymentId: payment?.id });

    await bus.publish(refundCommand(orderId));
    const [, , again] = await waitForReplies(orderId, 3);
    expect(again?.payload).toEqual(refunded?.payload);
    expect(simulated.calls.refund - before.calls.refund).toBe(1);
    expect(simulated.moved.refunds - before.moved.refunds).toBe(1);
  });

  it('voids an order refunded before its charge: a tombstone, and the late charge is refused with ORDER_VOIDED', async () => {
    const orderId = randomUUID();
    const before = snapshot();
    await bus.publish(refundCommand(orderId));
    const [refunded] = await waitForReplies(orderId, 1);
    expect(refunded).toMatchObject({ type: 'PaymentRefunded', payload: { orderId, paymentId: null, amount: 0 } });
    expect(await paymentsFor(orderId)).toEqual([expect.objectContaining({ status: 'VOIDED', customerId: null, amount: 0 })]);

    await bus.publish(chargeCommand(orderId));
    const [, failed] = await waitForReplies(orderId, 2);
    expect(failed).toMatchObject({ routingKey: PaymentFailed.route, payload: { orderId, reason: 'ORDER_VOIDED' } });
    // Still VOIDED, now showing its customer and what was asked; the processor never heard of it.
    expect(await paymentsFor(orderId)).toEqual([expect.objectContaining({ status: 'VOIDED', customerId, amount: 4200, currency: 'USD', failureReason: 'ORDER_VOIDED' })]);
    expect(simulated.calls.authorize).toBe(before.calls.authorize);
  });

  it('answers a refund of a declined payment with nothing refunded', async () => {
    const orderId = randomUUID();
    await bus.publish(chargeCommand(orderId, 'tok_chargeDeclined'));
    await waitForReplies(orderId, 1);
    await bus.publish(refundCommand(orderId));
    const [, refunded] = await waitForReplies(orderId, 2);
    const [payment] = await paymentsFor(orderId);
    expect(payment?.status).toBe('DECLINED');
    expect(refunded?.payload).toEqual({ orderId, paymentId: payment?.id, amount: 0 });
  });

  it('waits for a charge in progress: throws, and the bus retries until the charge is done', async () => {
    const orderId = randomUUID();
    // The handler alone: a PROCESSING payment makes the refund throw.
    await prisma.payment.create({ data: { orderId, customerId, amount: 4200, currency: 'USD', status: 'PROCESSING' } });
    const handle = createPaymentCommandHandler({ prisma, processor: simulated, processorTimeoutMs: PROCESSOR_TIMEOUT_MS, outbox: createOutbox(() => relay.kick()), log });
    await expect(handle(refundCommand(orderId))).rejects.toBeInstanceOf(ChargeInProgressError);
    expect(await outboxRowsFor(orderId)).toHaveLength(0);

    // Through the bus, with a processor that answers only when the test lets it: the refund sent
    // while charging ends after the capture, however long each step takes.
    const slowOrderId = randomUUID();
    let answer = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    processor = {
      authorize: async (...args) => {
        await answered;
        return simulated.authorize(...args);
      },
      capture: (...args) => simulated.capture(...args),
      refund: (...args) => simulated.refund(...args),
    };
    await bus.publish(chargeCommand(slowOrderId));
    await waitFor(
      () => paymentsFor(slowOrderId),
      ([payment]) => payment?.status === 'PROCESSING',
      { what: 'the charge to be in progress' },
    );
    await bus.publish(refundCommand(slowOrderId));
    // The refund meets the charge in progress (and is retried) before the processor answers.
    await new Promise((resolve) => setTimeout(resolve, testTiming.quietMs));
    answer();
    const replies = await waitForReplies(slowOrderId, 2);
    expect(replies.map((reply) => reply.type)).toEqual(['PaymentCaptured', 'PaymentRefunded']);
    expect(await paymentsFor(slowOrderId)).toEqual([expect.objectContaining({ status: 'REFUNDED' })]);
    expect(await bus.deadLetters(PAYMENT_COMMANDS_QUEUE)).toEqual([]);
  });
});

describe('crash recovery', () => {
  it('finishes a PROCESSING payment on redelivery without charging twice', async () => {
    // The first delivery inserted the row and got the card charged, then the process died before
    // recording it: the processor knows the charge, the row says PROCESSING, nothing was replied.
    const orderId = randomUUID();
    await prisma.payment.create({ data: { orderId, customerId, amount: 4200, currency: 'USD', status: 'PROCESSING' } });
    const first = await simulated.authorize(4200, 'USD', 'tok_visa', orderId);
    if (first.outcome !== 'AUTHORIZED') throw new Error('expected an authorization');
    await simulated.capture(first.reference);
    const before = snapshot();

    await bus.publish(chargeCommand(orderId));
    const [reply] = await waitForReplies(orderId, 1);
    const [payment] = await paymentsFor(orderId);
    expect(payment).toMatchObject({ status: 'CAPTURED', processorReference: first.reference, cardLast4: '4242' });
    expect(reply).toMatchObject({ type: 'PaymentCaptured', payload: { paymentId: payment?.id } });
    expect(simulated.moved).toEqual(before.moved); // asked again, moved no money again
    expect(simulated.calls.authorize - before.calls.authorize).toBe(1);
  });

  it('keeps a payment PROCESSING when the processor fails mid-way, and the retry finishes it', async () => {
    const orderId = randomUUID();
    const before = snapshot();
    let failures = 0;
    processor = {
      authorize: (...args) => simulated.authorize(...args),
      capture: async (...args) => {
        if (failures++ === 0) throw new Error('connection reset by the processor');
        return simulated.capture(...args);
      },
      refund: (...args) => simulated.refund(...args),
    };
    await bus.publish(chargeCommand(orderId));
    const replies = await waitForReplies(orderId, 1);
    expect(failures).toBe(2);
    expect(replies.map((reply) => reply.type)).toEqual(['PaymentCaptured']);
    expect(await paymentsFor(orderId)).toEqual([expect.objectContaining({ status: 'CAPTURED' })]);
    expect(simulated.calls.authorize - before.calls.authorize).toBe(2);
    expect(simulated.moved.authorizations - before.moved.authorizations).toBe(1);
    expect(simulated.moved.captures - before.moved.captures).toBe(1);
  });
});
