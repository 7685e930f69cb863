import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CheckoutRequested } from '../../../common/contracts/messages/index.ts';
import { ORDER_LIMITS } from '../../../common/contracts/order-limits.ts';
import { ErrorCode, badUserInput, echoed, graphQLError, isErrorCode } from '../../../common/errors.ts';
import { CART_TRANSACTION, ensureCart, lockCart, type CartStore, type LineQuantity } from '../data/cart-store.ts';
import { Prisma, type Checkout, type PrismaClient } from '../generated/prisma/client.ts';
import type { CheckoutInput } from '../generated/graphql.ts';

/** How often a waiting checkout looks whether orders has answered. */
const POLL_MS = 100;

export const checkoutLines = (checkout: Pick<Checkout, 'lines'>): LineQuantity[] => z.array(z.object({ productId: z.string(), quantity: z.number().int() })).parse(checkout.lines);

export interface CheckoutRequest {
  readonly userId: string;
  readonly input: CheckoutInput;
  readonly idempotencyKey: string;
  readonly requestId: string;
  readonly waitMs: number;
}

/**
 * Checkout: records the checkout and its CheckoutRequested command in one transaction (the cart
 * still holds its lines), then waits, bounded, for orders' answer, which the reply handler
 * writes on the checkout. Returns the order's id; the gateway resolves the rest from orders.
 */
export async function checkout(store: CartStore, request: CheckoutRequest): Promise<{ id: string }> {
  const { prisma } = store;
  const { idempotencyKey, input } = request;
  if (idempotencyKey.length === 0 || idempotencyKey.length > ORDER_LIMITS.maxKeyLength) {
    throw badUserInput(`idempotencyKey has 1 to ${ORDER_LIMITS.maxKeyLength} characters.`, 'idempotencyKey');
  }
  const paymentToken = input.paymentToken.trim();
  if (paymentToken.length === 0 || paymentToken.length > ORDER_LIMITS.maxTokenLength) throw badUserInput('paymentToken is required.', 'paymentToken');
  const expectedVersion = input.expectedVersion ?? null;
  const requestHash = createHash('sha256').update(JSON.stringify({ paymentToken, expectedVersion })).digest('hex');

  const key = { userId_idempotencyKey: { userId: request.userId, idempotencyKey } };
  let record = await prisma.checkout.findUnique({ where: key });
  // A refused checkout placed nothing: its key may be used again, as placeOrder's can.
  if (!record || record.status === 'REJECTED') {
    record = await begin(store, request, { paymentToken, expectedVersion, requestHash, replacing: record?.id ?? null });
  }
  if (record.requestHash !== requestHash) {
    throw graphQLError(ErrorCode.idempotencyKeyReused, 'This idempotencyKey was used for a different checkout.', { field: 'idempotencyKey' });
  }
  return outcome(await settled(prisma, record, request.waitMs));
}

interface Begin {
  readonly paymentToken: string;
  readonly expectedVersion: number | null;
  readonly requestHash: string;
  readonly replacing: string | null;
}

async function begin({ prisma, outbox }: CartStore, request: CheckoutRequest, { paymentToken, expectedVersion, requestHash, replacing }: Begin): Promise<Checkout> {
  const cart = await ensureCart(prisma, request.userId);
  try {
    return await outbox.transaction(
      prisma,
      { requestId: request.requestId },
      async (tx, publish) => {
        const lines = await lockCart(tx, cart.id);
        const { version } = await tx.cart.findUniqueOrThrow({ where: { id: cart.id } });
        if (expectedVersion !== null && expectedVersion !== version) {
          throw graphQLError(ErrorCode.cartChanged, 'The cart changed since you saw it: review it and check out again.', { version });
        }
        if (lines.length === 0) throw graphQLError(ErrorCode.cartEmpty, 'An empty cart cannot be checked out.');
        if (await tx.checkout.findFirst({ where: { cartId: cart.id, status: 'REQUESTED' } })) {
          throw graphQLError(ErrorCode.checkoutInProgress, 'This cart is being checked out: ask again with that idempotencyKey.');
        }
        if (replacing) await tx.checkout.deleteMany({ where: { id: replacing, status: 'REJECTED' } });
        const items = lines.map(({ productId, quantity }) => ({ productId, quantity })).sort((a, b) => a.productId.localeCompare(b.productId));
        // The prices the customer sees, for orders to hold its own against.
        const prices = await tx.productPrice.findMany({ where: { productId: { in: items.map((item) => item.productId) } } });
        const priced = items.map((item) => {
          const price = prices.find((candidate) => candidate.productId === item.productId);
          if (!price) throw graphQLError(ErrorCode.unknownProduct, `Product ${echoed(item.productId)} does not exist.`, { productIds: [echoed(item.productId)] });
          return { ...item, unitPriceAmount: price.priceAmount, currency: price.priceCurrency };
        });
        const record = await tx.checkout.create({
          data: { cartId: cart.id, userId: request.userId, idempotencyKey: request.idempotencyKey, requestHash, lines: items, cartVersion: version },
        });
        publish(CheckoutRequested, { checkoutId: record.id, customerId: request.userId, idempotencyKey: request.idempotencyKey, paymentToken, items: priced });
        return record;
      },
      CART_TRANSACTION,
    );
  } catch (error) {
    // The same key raced in twice: the first checkout won; answer with it.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await prisma.checkout.findUnique({ where: { userId_idempotencyKey: { userId: request.userId, idempotencyKey: request.idempotencyKey } } });
      if (winner) return winner;
    }
    throw error;
  }
}

async function settled(prisma: PrismaClient, record: Checkout, waitMs: number): Promise<Checkout> {
  const deadline = Date.now() + waitMs;
  let current = record;
  while (current.status === 'REQUESTED') {
    if (Date.now() >= deadline) {
      throw graphQLError(ErrorCode.checkoutPending, 'The order is still being placed: ask again with the same idempotencyKey.', { field: 'idempotencyKey' });
    }
    await sleep(POLL_MS);
    current = (await prisma.checkout.findUnique({ where: { id: record.id } })) ?? current;
  }
  return current;
}

function outcome(record: Checkout): { id: string } {
  if (record.orderId) return { id: record.orderId };
  const code = record.errorCode && isErrorCode(record.errorCode) ? record.errorCode : ErrorCode.internal;
  const details = z.record(z.string(), z.unknown()).nullable().parse(record.errorDetails);
  throw graphQLError(code, record.errorMessage ?? 'The order could not be placed.', details ?? {});
}
