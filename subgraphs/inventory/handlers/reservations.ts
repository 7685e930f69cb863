import { outboxRecord } from '../../../common/messaging/outbox.ts';
import { createEnvelope, type Envelope } from '../../../common/messaging/envelope.ts';
import { SagaRoutes, type ReserveStock, type StockReservationFailed } from '../../../common/contracts/order-saga.ts';
import { Prisma, type PrismaClient, type ReservationStatus } from '../generated/prisma/client.ts';
import { recordStockChanges } from '../stock-events.ts';

type Tx = Prisma.TransactionClient;

class OutOfStock extends Error {
  constructor(readonly productId: string) {
    super(`not enough stock for ${productId}`);
  }
}

const reply = (routingKey: string, type: string, payload: object, cause: Envelope) =>
  outboxRecord(
    createEnvelope(routingKey, type, payload, {
      'correlation-id': cause.headers['correlation-id'] ?? '',
      'x-request-id': cause.headers['x-request-id'] ?? cause.id,
    }),
  );

const headersOf = (cause: Envelope) => ({ 'correlation-id': cause.headers['correlation-id'] ?? '', 'x-request-id': cause.headers['x-request-id'] ?? cause.id });

const replyFor = (orderId: string, status: ReservationStatus, cause: Envelope) => {
  if (status === 'RESERVED' || status === 'COMMITTED') return reply(SagaRoutes.stockReserved, 'StockReserved', { orderId }, cause);
  const failure: StockReservationFailed = { orderId, reason: status === 'RELEASED' ? 'ORDER_RELEASED' : 'OUT_OF_STOCK' };
  return reply(SagaRoutes.stockReservationFailed, 'StockReservationFailed', failure, cause);
};

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/**
 * Reserves every line of an order or none. Each line is one conditional UPDATE, so concurrent
 * orders can never take available stock below zero; lines go in product order so two orders
 * never wait on each other's rows. The order's reservation row makes a repeated command
 * answer the same, and a RELEASED row written earlier makes a late command refuse.
 */
export async function reserveStock(prisma: PrismaClient, command: ReserveStock, cause: Envelope): Promise<void> {
  const existing = await prisma.orderReservation.findUnique({ where: { orderId: command.orderId } });
  if (existing) {
    await prisma.outboxMessage.create({ data: replyFor(command.orderId, existing.status, cause) });
    return;
  }
  const lines = [...command.items].sort((a, b) => a.productId.localeCompare(b.productId));
  try {
    await prisma.$transaction(async (tx) => {
      for (const line of lines) {
        const taken = await tx.$executeRaw`
          UPDATE "StockItem" SET "reserved" = "reserved" + ${line.quantity}, "updatedAt" = now()
          WHERE "productId" = ${line.productId}::uuid AND "onHand" - "reserved" >= ${line.quantity}`;
        if (taken !== 1) throw new OutOfStock(line.productId);
      }
      await tx.orderReservation.create({ data: { orderId: command.orderId, status: 'RESERVED', lines: { create: lines } } });
      await tx.outboxMessage.create({ data: replyFor(command.orderId, 'RESERVED', cause) });
      await recordStockChanges(tx, lines.map((line) => line.productId), headersOf(cause));
    });
  } catch (error) {
    if (isUniqueViolation(error)) return reserveStock(prisma, command, cause); // a duplicate delivery won the race
    if (!(error instanceof OutOfStock)) throw error;
    await prisma.$transaction(async (tx) => {
      await tx.orderReservation.create({ data: { orderId: command.orderId, status: 'REFUSED' } });
      await tx.outboxMessage.create({
        data: reply(SagaRoutes.stockReservationFailed, 'StockReservationFailed', { orderId: command.orderId, reason: 'OUT_OF_STOCK', productId: error.productId }, cause),
      });
    });
  }
}

async function moveReservation(tx: Tx, orderId: string, from: ReservationStatus, to: ReservationStatus): Promise<{ productId: string; quantity: number }[] | null> {
  const { count } = await tx.orderReservation.updateMany({ where: { orderId, status: from }, data: { status: to } });
  return count === 1 ? tx.reservationLine.findMany({ where: { orderId }, orderBy: { productId: 'asc' } }) : null;
}

/** Gives an order's stock back: reserved units become available, committed units return to the shelf. */
export async function releaseStock(prisma: PrismaClient, orderId: string, cause: Envelope): Promise<void> {
  try {
    await prisma.$transaction(async (tx) => {
      const reserved = await moveReservation(tx, orderId, 'RESERVED', 'RELEASED');
      for (const line of reserved ?? []) {
        await tx.$executeRaw`UPDATE "StockItem" SET "reserved" = "reserved" - ${line.quantity}, "updatedAt" = now() WHERE "productId" = ${line.productId}::uuid`;
      }
      const committed = reserved ? null : await moveReservation(tx, orderId, 'COMMITTED', 'RELEASED');
      for (const line of committed ?? []) {
        await tx.$executeRaw`UPDATE "StockItem" SET "onHand" = "onHand" + ${line.quantity}, "updatedAt" = now() WHERE "productId" = ${line.productId}::uuid`;
      }
      if (!reserved && !committed && !(await tx.orderReservation.findUnique({ where: { orderId } }))) {
        // Nothing reserved yet: leave a tombstone so a reserve that arrives later refuses.
        await tx.orderReservation.create({ data: { orderId, status: 'RELEASED' } });
      }
      await tx.outboxMessage.create({ data: reply(SagaRoutes.stockReleased, 'StockReleased', { orderId }, cause) });
      await recordStockChanges(tx, [...(reserved ?? []), ...(committed ?? [])].map((line) => line.productId), headersOf(cause));
    });
  } catch (error) {
    if (isUniqueViolation(error)) return releaseStock(prisma, orderId, cause); // a reserve created the row meanwhile
    throw error;
  }
}

/** The order is confirmed: its reserved units leave the warehouse count. */
export async function commitStock(prisma: PrismaClient, orderId: string, cause: Envelope): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const lines = await moveReservation(tx, orderId, 'RESERVED', 'COMMITTED');
    for (const line of lines ?? []) {
      await tx.$executeRaw`
        UPDATE "StockItem" SET "onHand" = "onHand" - ${line.quantity}, "reserved" = "reserved" - ${line.quantity}, "updatedAt" = now()
        WHERE "productId" = ${line.productId}::uuid`;
    }
    await tx.outboxMessage.create({ data: reply(SagaRoutes.stockCommitted, 'StockCommitted', { orderId }, cause) });
    await recordStockChanges(tx, (lines ?? []).map((line) => line.productId), headersOf(cause));
  });
}
