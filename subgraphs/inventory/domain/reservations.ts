import { type ReserveStock, StockCommitted, StockReleased, StockReservationFailed, StockReserved } from '../../../common/contracts/messages/index.ts';
import { causeOf, type PayloadOf } from '../../../common/messaging/catalogue.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { Outbox, Publish } from '../../../common/messaging/outbox-publisher.ts';
import { Prisma, type PrismaClient, type ReservationStatus } from '../generated/prisma/client.ts';
import { recordStockChanges } from './stock-events.ts';

type Tx = Prisma.TransactionClient;

class OutOfStock extends Error {
  constructor(readonly productId: string) {
    super(`not enough stock for ${productId}`);
  }
}

/** What a reservation in this state answers to ReserveStock. */
const replyFor = (publish: Publish, orderId: string, status: ReservationStatus) => {
  if (status === 'RESERVED' || status === 'COMMITTED') publish(StockReserved, { orderId });
  else publish(StockReservationFailed, { orderId, reason: status === 'RELEASED' ? 'ORDER_RELEASED' : 'OUT_OF_STOCK' });
};

export interface Inventory {
  readonly prisma: PrismaClient;
  readonly outbox: Outbox;
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/**
 * Reserves every line of an order or none. Each line is one conditional UPDATE, so concurrent
 * orders can never take available stock below zero; lines go in product order so two orders
 * never wait on each other's rows. The order's reservation row makes a repeated command
 * answer the same, and a RELEASED row written earlier makes a late command refuse.
 */
export async function reserveStock(inventory: Inventory, command: PayloadOf<typeof ReserveStock>, message: Envelope): Promise<void> {
  const { prisma, outbox } = inventory;
  const cause = causeOf(message);
  const existing = await prisma.orderReservation.findUnique({ where: { orderId: command.orderId } });
  if (existing) {
    await outbox.transaction(prisma, cause, async (_tx, publish) => replyFor(publish, command.orderId, existing.status));
    return;
  }
  const lines = [...command.items].sort((a, b) => a.productId.localeCompare(b.productId));
  try {
    await outbox.transaction(prisma, cause, async (tx, publish) => {
      for (const line of lines) {
        const taken = await tx.$executeRaw`
          UPDATE "StockItem" SET "reserved" = "reserved" + ${line.quantity}, "updatedAt" = now()
          WHERE "productId" = ${line.productId}::uuid AND "onHand" - "reserved" >= ${line.quantity}`;
        if (taken !== 1) throw new OutOfStock(line.productId);
      }
      await tx.orderReservation.create({ data: { orderId: command.orderId, status: 'RESERVED', lines: { create: lines } } });
      replyFor(publish, command.orderId, 'RESERVED');
      await recordStockChanges(
        tx,
        publish,
        lines.map((line) => line.productId),
      );
    });
  } catch (error) {
    if (isUniqueViolation(error)) return reserveStock(inventory, command, message); // a duplicate delivery won the race
    if (!(error instanceof OutOfStock)) throw error;
    await outbox.transaction(prisma, cause, async (tx, publish) => {
      await tx.orderReservation.create({ data: { orderId: command.orderId, status: 'REFUSED' } });
      publish(StockReservationFailed, { orderId: command.orderId, reason: 'OUT_OF_STOCK', productId: error.productId });
    });
  }
}

async function moveReservation(tx: Tx, orderId: string, from: ReservationStatus, to: ReservationStatus): Promise<{ productId: string; quantity: number }[] | null> {
  const { count } = await tx.orderReservation.updateMany({ where: { orderId, status: from }, data: { status: to } });
  return count === 1 ? tx.reservationLine.findMany({ where: { orderId }, orderBy: { productId: 'asc' } }) : null;
}

/** Gives an order's stock back: reserved units become available, committed units return to the shelf. */
export async function releaseStock(inventory: Inventory, orderId: string, message: Envelope): Promise<void> {
  const { prisma, outbox } = inventory;
  try {
    await outbox.transaction(prisma, causeOf(message), async (tx, publish) => {
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
      publish(StockReleased, { orderId });
      await recordStockChanges(
        tx,
        publish,
        [...(reserved ?? []), ...(committed ?? [])].map((line) => line.productId),
      );
    });
  } catch (error) {
    if (isUniqueViolation(error)) return releaseStock(inventory, orderId, message); // a reserve created the row meanwhile
    throw error;
  }
}

/** The order is confirmed: its reserved units leave the warehouse count. */
export async function commitStock({ prisma, outbox }: Inventory, orderId: string, message: Envelope): Promise<void> {
  await outbox.transaction(prisma, causeOf(message), async (tx, publish) => {
    const lines = await moveReservation(tx, orderId, 'RESERVED', 'COMMITTED');
    for (const line of lines ?? []) {
      await tx.$executeRaw`
        UPDATE "StockItem" SET "onHand" = "onHand" - ${line.quantity}, "reserved" = "reserved" - ${line.quantity}, "updatedAt" = now()
        WHERE "productId" = ${line.productId}::uuid`;
    }
    publish(StockCommitted, { orderId });
    await recordStockChanges(
      tx,
      publish,
      (lines ?? []).map((line) => line.productId),
    );
  });
}
