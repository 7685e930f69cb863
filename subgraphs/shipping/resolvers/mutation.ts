import type { MutationResolvers } from '../generated/graphql.ts';
import { markDelivered, shipOrder } from '../domain/shipments.ts';

export const Mutation: MutationResolvers = {
  async shipOrder(_parent, { orderId, carrier }, { prisma, outbox, requestId, log }) {
    const shipment = await shipOrder(prisma, outbox, orderId, carrier, { requestId });
    log.info({ orderId, shipmentId: shipment.id, carrier, trackingNumber: shipment.trackingNumber }, 'order shipped');
    return shipment;
  },

  async markDelivered(_parent, { shipmentId }, { prisma, outbox, requestId, log }) {
    const { shipment, changed } = await markDelivered(prisma, outbox, shipmentId, { requestId });
    if (changed) log.info({ orderId: shipment.orderId, shipmentId }, 'shipment delivered');
    return shipment;
  },
};
