import { batchById, batchGroupedBy } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createShippingLoaders(prisma: PrismaClient) {
  return {
    /** An order's shipment (orderId is unique), one query per batch of orders. */
    shipmentByOrderId: batchById(
      (orderIds) => prisma.shipment.findMany({ where: { orderId: { in: orderIds } } }),
      (shipment) => shipment.orderId,
    ),
    /** Each shipment's tracking history, oldest first, one query per batch of shipments. */
    eventsByShipmentId: batchGroupedBy(
      (shipmentIds) => prisma.shipmentEvent.findMany({ where: { shipmentId: { in: shipmentIds } }, orderBy: [{ at: 'asc' }, { id: 'asc' }] }),
      (event) => event.shipmentId,
    ),
  };
}
export type ShippingLoaders = ReturnType<typeof createShippingLoaders>;
