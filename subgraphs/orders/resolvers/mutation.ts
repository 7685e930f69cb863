import { unauthenticated } from '../../../common/errors.ts';
import type { MutationResolvers } from '../generated/graphql.ts';
import { cancelOrderFor } from '../domain/saga/cancel-order.ts';
import { placeOrder } from '../domain/saga/place-order.ts';

export const Mutation: MutationResolvers = {
  async placeOrder(_parent, { input, idempotencyKey }, { viewer, prisma, outbox, saga, requestId }) {
    if (!viewer) throw unauthenticated();
    return placeOrder(prisma, outbox, { customerId: viewer.id, input, idempotencyKey, stepTimeoutMs: saga.stepTimeoutMs, cause: { requestId } });
  },

  async cancelOrder(_parent, { id }, { viewer, prisma, outbox, sagaMetrics, requestId }) {
    if (!viewer) throw unauthenticated();
    return cancelOrderFor({ prisma, outbox, metrics: sagaMetrics }, viewer, id, { requestId });
  },
};
