import { GraphQLError } from 'graphql';
import { CheckoutAccepted, CheckoutRejected, CheckoutRequested } from '../../../common/contracts/messages/index.ts';
import { ErrorCode } from '../../../common/errors.ts';
import { causeOf, type PayloadInput, type PayloadOf } from '../../../common/messaging/catalogue.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { Outbox } from '../../../common/messaging/outbox-publisher.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { placeOrder } from '../domain/saga/place-order.ts';

export const CHECKOUT_REQUESTS_QUEUE = 'orders.checkout-requests';

/** What placeOrder refuses for the request itself: answered to the cart instead of retried. */
const REFUSALS = new Set<string>([ErrorCode.unknownProduct, ErrorCode.idempotencyKeyReused, ErrorCode.badUserInput]);

type CheckoutRequest = PayloadOf<typeof CheckoutRequested>;

/**
 * Places a cart's checkout through placeOrder, the same code path (prices from orders' catalog
 * replica, idempotent on the customer and key) as the mutation, then answers the cart. The
 * answer is written after the order's transaction: a crash in between leaves the command
 * unacknowledged, its redelivery finds the order by its key and answers then.
 */
export function checkoutRequests(options: { prisma: PrismaClient; outbox: Outbox; stepTimeoutMs: number }): ConsumerDefinition {
  const { prisma, outbox, stepTimeoutMs } = options;
  return consumer({
    queue: CHECKOUT_REQUESTS_QUEUE,
    handlers: [
      on(CheckoutRequested, async (request, message) => {
        const cause = causeOf(message);
        const reject = (rejected: Omit<PayloadInput<typeof CheckoutRejected>, 'checkoutId'>) =>
          outbox.publish(prisma, cause, CheckoutRejected, { checkoutId: request.checkoutId, ...rejected });
        const moved = await pricesMoved(prisma, request);
        if (moved.length > 0) {
          await reject({ code: ErrorCode.cartChanged, message: 'Prices changed since you saw the cart: review it and check out again.', productIds: moved });
          return;
        }
        let orderId: string;
        try {
          const order = await placeOrder(prisma, outbox, {
            customerId: request.customerId,
            input: { items: request.items.map(({ productId, quantity }) => ({ productId, quantity })), paymentToken: request.paymentToken },
            idempotencyKey: request.idempotencyKey,
            stepTimeoutMs,
            cause,
          });
          orderId = order.id;
        } catch (error) {
          const code = error instanceof GraphQLError ? String(error.extensions['code']) : '';
          if (!(error instanceof GraphQLError) || !REFUSALS.has(code)) throw error;
          const productIds = error.extensions['productIds'];
          await reject({ code, message: error.message, ...(Array.isArray(productIds) ? { productIds: productIds.map(String) } : {}) });
          return;
        }
        await outbox.publish(prisma, cause, CheckoutAccepted, { checkoutId: request.checkoutId, orderId });
      }),
    ],
  });
}

/**
 * Products whose price in orders' copy differs from the one the customer saw in the cart (a
 * price change that reached orders first). A checkout already placed is answered with its
 * order whatever the prices are now.
 */
async function pricesMoved(prisma: PrismaClient, request: CheckoutRequest): Promise<string[]> {
  const placed = await prisma.order.findUnique({
    where: { customerId_idempotencyKey: { customerId: request.customerId, idempotencyKey: request.idempotencyKey } },
    select: { id: true },
  });
  if (placed) return [];
  const snapshots = await prisma.productSnapshot.findMany({ where: { productId: { in: request.items.map((item) => item.productId) } } });
  return request.items
    .filter((item) => {
      const snapshot = snapshots.find((candidate) => candidate.productId === item.productId);
      // An unknown product is placeOrder's to refuse (UNKNOWN_PRODUCT).
      return snapshot !== undefined && (snapshot.priceAmount !== item.unitPriceAmount || snapshot.priceCurrency !== item.currency);
    })
    .map((item) => item.productId);
}
