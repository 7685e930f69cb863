import { unauthenticated } from '../../../common/errors.ts';
import type { MutationResolvers } from '../generated/graphql.ts';
import { cancelOrderFor } from '../saga/cancel-order.ts';
import { placeOrder } from '../saga/place-order.ts';

export const Mutation: MutationResolvers = {
  async placeOrder(_parent, { input, idempotencyKey }, { viewer, prisma, outbox, saga, requestId }) {
    if (!viewer) throw unauthenticated();
    const order = await placeOrder(prisma, {
      customerId: viewer.id,
      input,
      idempotencyKey,
      stepTimeoutMs: saga.stepTimeoutMs,
      trace: { requestId },
    });
    outbox.kick();
    return order;
  },

  async cancelOrder(_parent, { id }, { viewer, prisma, outbox, sagaMetrics, requestId }) {
    if (!viewer) throw unauthenticated();
    const order = await cancelOrderFor(prisma, sagaMetrics, viewer, id, { requestId });
    outbox.kick();
    return order;
  },
};
