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
    let reply: Envelope;
    try {
      const order = await placeOrder(prisma, {
        customerId: request.customerId,
        input: { items: request.items, paymentToken: request.paymentToken },
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
      const rejected: CheckoutRejected = {
        checkoutId: request.checkoutId,
        code,
        message: error.message,
        ...(Array.isArray(productIds) ? { productIds: productIds.map(String) } : {}),
      };
      reply = createEnvelope(CartRoutes.checkoutRejected, 'CheckoutRejected', rejected, headers);
    }
    await prisma.outboxMessage.create({ data: outboxRecord(reply) });
    outbox.kick();
  };
}
