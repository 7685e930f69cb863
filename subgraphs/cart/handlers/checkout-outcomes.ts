import { CartRoutes, CheckoutAccepted, CheckoutRejected } from '../../../common/contracts/cart.ts';
import { OrderCancelled, SagaRoutes } from '../../../common/contracts/order-saga.ts';
import type { z } from 'zod';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import { handleOnce } from '../../../common/messaging/inbox.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import { lockCart, putBack, recordChange, takeOut, type Tx } from '../cart-store.ts';
import { checkoutLines } from '../checkout.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const CHECKOUT_OUTCOMES_QUEUE = 'cart.checkout-outcomes';
export const CHECKOUT_OUTCOMES_BINDINGS = [CartRoutes.checkoutAccepted, CartRoutes.checkoutRejected, SagaRoutes.orderCancelled] as const;

/** Cancellations the customer (or an admin) chose: the lines stay out of the cart. */
const CHOSEN_CANCELLATIONS = new Set(['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_ADMIN']);

/** Thrown to have the bus deliver a message again later. */
class NotYet extends Error {}

/**
 * What became of a checkout. Accepted: the order exists (PENDING), so the checked-out lines
 * leave the cart. Rejected: nothing was placed, the cart stays. The saga cancelled the order
 * (a declined card, no stock, a timeout): the lines come back, since that is what a customer
 * expects after a declined card. Each moves the checkout from the one status it expects, in the
 * same transaction as the cart change, so a redelivery or a crash between the two changes
 * nothing twice and loses nothing.
 */
export function createCheckoutOutcomesHandler(prisma: PrismaClient, outbox: OutboxPublisher) {
  return async (message: Envelope): Promise<void> => {
    const requestId = message.headers['x-request-id'] ?? message.id;
    const outcome = await handleOnce(prisma, CHECKOUT_OUTCOMES_QUEUE, message, async (tx) => {
      if (message.routingKey === CartRoutes.checkoutAccepted) return accepted(tx, CheckoutAccepted.parse(message.payload), requestId);
      if (message.routingKey === CartRoutes.checkoutRejected) return rejected(tx, CheckoutRejected.parse(message.payload));
      return cancelled(tx, OrderCancelled.parse(message.payload), requestId);
    });
    if (outcome === 'handled') outbox.kick();
  };
}

async function accepted(tx: Tx, { checkoutId, orderId }: CheckoutAccepted, requestId: string): Promise<void> {
  const moved = await tx.checkout.updateMany({ where: { id: checkoutId, status: 'REQUESTED' }, data: { status: 'PLACED', orderId } });
  if (moved.count === 0) return;
  const checkout = await tx.checkout.findUniqueOrThrow({ where: { id: checkoutId } });
  const lines = await lockCart(tx, checkout.cartId);
  if (await takeOut(tx, checkout.cartId, lines, checkoutLines(checkout))) await recordChange(tx, checkout.cartId, requestId);
}

async function rejected(tx: Tx, { checkoutId, code, message, productIds }: CheckoutRejected): Promise<void> {
  await tx.checkout.updateMany({
    where: { id: checkoutId, status: 'REQUESTED' },
    data: { status: 'REJECTED', errorCode: code, errorMessage: message, errorDetails: productIds ? { productIds } : {} },
  });
}

async function cancelled(tx: Tx, { orderId, customerId, reason }: z.infer<typeof OrderCancelled>, requestId: string): Promise<void> {
  const checkout = await tx.checkout.findUnique({ where: { orderId } });
  if (!checkout) {
    // An order from placeOrder, or one whose acceptance this queue has not seen yet (messages
    // may overtake each other on retries): wait for it while a checkout of this customer is open.
    if (await tx.checkout.findFirst({ where: { userId: customerId, status: 'REQUESTED' } })) throw new NotYet(`order ${orderId}: its checkout is not placed yet`);
    return;
  }
  if (CHOSEN_CANCELLATIONS.has(reason)) return;
  const moved = await tx.checkout.updateMany({ where: { id: checkout.id, status: 'PLACED' }, data: { status: 'RESTORED' } });
  if (moved.count === 0) return;
  const lines = await lockCart(tx, checkout.cartId);
  if (await putBack(tx, checkout.cartId, lines, checkoutLines(checkout))) await recordChange(tx, checkout.cartId, requestId);
}
