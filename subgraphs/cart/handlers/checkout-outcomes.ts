import { CheckoutAccepted, CheckoutRejected, OrderCancelled } from '../../../common/contracts/messages/index.ts';
import type { PayloadOf } from '../../../common/messaging/catalogue.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { Publish } from '../../../common/messaging/outbox-publisher.ts';
import { lockCart, putBack, recordChange, takeOut, type CartStore, type Tx } from '../data/cart-store.ts';
import { checkoutLines } from '../domain/checkout.ts';

export const CHECKOUT_OUTCOMES_QUEUE = 'cart.checkout-outcomes';

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
export function checkoutOutcomes({ prisma, outbox }: CartStore): ConsumerDefinition {
  return consumer({
    queue: CHECKOUT_OUTCOMES_QUEUE,
    handlers: [
      on(CheckoutAccepted, async (outcome, message) => {
        await outbox.handleOnce(prisma, CHECKOUT_OUTCOMES_QUEUE, message, (tx, publish) => accepted(tx, publish, outcome));
      }),
      on(CheckoutRejected, async (outcome, message) => {
        await outbox.handleOnce(prisma, CHECKOUT_OUTCOMES_QUEUE, message, (tx) => rejected(tx, outcome));
      }),
      on(OrderCancelled, async (event, message) => {
        await outbox.handleOnce(prisma, CHECKOUT_OUTCOMES_QUEUE, message, (tx, publish) => cancelled(tx, publish, event));
      }),
    ],
  });
}

async function accepted(tx: Tx, publish: Publish, { checkoutId, orderId }: PayloadOf<typeof CheckoutAccepted>): Promise<void> {
  const moved = await tx.checkout.updateMany({ where: { id: checkoutId, status: 'REQUESTED' }, data: { status: 'PLACED', orderId } });
  if (moved.count === 0) return;
  const checkout = await tx.checkout.findUniqueOrThrow({ where: { id: checkoutId } });
  const lines = await lockCart(tx, checkout.cartId);
  if (await takeOut(tx, checkout.cartId, lines, checkoutLines(checkout))) await recordChange(tx, publish, checkout.cartId);
}

async function rejected(tx: Tx, { checkoutId, code, message, productIds }: PayloadOf<typeof CheckoutRejected>): Promise<void> {
  await tx.checkout.updateMany({
    where: { id: checkoutId, status: 'REQUESTED' },
    data: { status: 'REJECTED', errorCode: code, errorMessage: message, errorDetails: productIds ? { productIds } : {} },
  });
}

async function cancelled(tx: Tx, publish: Publish, { orderId, customerId, reason }: PayloadOf<typeof OrderCancelled>): Promise<void> {
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
  if (await putBack(tx, checkout.cartId, lines, checkoutLines(checkout))) await recordChange(tx, publish, checkout.cartId);
}
