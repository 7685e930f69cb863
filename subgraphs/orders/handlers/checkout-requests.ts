import { GraphQLError } from 'graphql';
import { CartRoutes, CheckoutRequested, type CheckoutAccepted, type CheckoutRejected } from '../../../common/contracts/cart.ts';
import { ErrorCode } from '../../../common/errors.ts';
import { createEnvelope, type Envelope } from '../../../common/messaging/envelope.ts';
import { outboxRecord } from '../../../common/messaging/outbox.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { placeOrder } from '../saga/place-order.ts';

export const CHECKOUT_REQUESTS_QUEUE = 'orders.checkout-requests';
export const CHECKOUT_REQUESTS_BINDINGS = [CartRoutes.checkoutRequested] as const;

/** What placeOrder refuses for the request itself: answered to the cart instead of retried. */
const REFUSALS = new Set<string>([ErrorCode.unknownProduct, ErrorCode.idempotencyKeyReused, ErrorCode.badUserInput]);

/**
 * Places a cart's checkout through placeOrder, the same code path (prices from orders' catalog
 * replica, idempotent on the customer and key) as the mutation, then answers the cart. The
 * answer is written after the order's transaction: a crash in between leaves the command
 * unacknowledged, its redelivery finds the order by its key and answers then.
 */
export function createCheckoutRequestsHandler(options: { prisma: PrismaClient; outbox: OutboxPublisher; stepTimeoutMs: number }) {
  const { prisma, outbox, stepTimeoutMs } = options;
  return async (message: Envelope): Promise<void> => {
    const request = CheckoutRequested.parse(message.payload);
    const trace = { requestId: message.headers['x-request-id'] ?? message.id };
    const headers = { 'x-request-id': trace.requestId, 'correlation-id': request.checkoutId };
    const reject = (rejected: Omit<CheckoutRejected, 'checkoutId'>) =>
      createEnvelope(CartRoutes.checkoutRejected, 'CheckoutRejected', { checkoutId: request.checkoutId, ...rejected } satisfies CheckoutRejected, headers);
    const moved = await pricesMoved(prisma, request);
    let reply: Envelope;
    if (moved.length > 0) {
      reply = reject({ code: ErrorCode.cartChanged, message: 'Prices changed since you saw the cart: review it and check out again.', productIds: moved });
      await prisma.outboxMessage.create({ data: outboxRecord(reply) });
      outbox.kick();
      return;
    }
    try {
      const order = await placeOrder(prisma, {
        customerId: request.customerId,
        input: { items: request.items.map(({ productId, quantity }) => ({ productId, quantity })), paymentToken: request.paymentToken },
        idempotencyKey: request.idempotencyKey,
        stepTimeoutMs,
        trace,
      });
      const accepted: CheckoutAccepted = { checkoutId: request.checkoutId, orderId: order.id };
      reply = createEnvelope(CartRoutes.checkoutAccepted, 'CheckoutAccepted', accepted, headers);
    } catch (error) {
      const code = error instanceof GraphQLError ? String(error.extensions['code']) : '';
      if (!(error instanceof GraphQLError) || !REFUSALS.has(code)) throw error;
      const productIds = error.extensions['productIds'];
      reply = reject({ code, message: error.message, ...(Array.isArray(productIds) ? { productIds: productIds.map(String) } : {}) });
    }
    await prisma.outboxMessage.create({ data: outboxRecord(reply) });
    outbox.kick();
  };
}

/**
 * Products whose price in orders' copy differs from the one the customer saw in the cart (a
 * price change that reached orders first). A checkout already placed is answered with its
 * order whatever the prices are now.
 */
async function pricesMoved(prisma: PrismaClient, request: CheckoutRequested): Promise<string[]> {
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
