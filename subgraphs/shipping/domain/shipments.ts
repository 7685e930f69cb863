import { OrderDelivered, OrderShipped } from '../../../common/contracts/messages/index.ts';
import { badUserInput, echoed, notFound } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import type { MessageCause } from '../../../common/messaging/catalogue.ts';
import type { Outbox } from '../../../common/messaging/outbox-publisher.ts';
import { orderNotShippable } from './errors.ts';
import { Prisma, type Carrier, type PrismaClient, type Shipment, type ShippableOrderStatus } from '../generated/prisma/client.ts';
import { generateTrackingNumber } from './tracking-number.ts';

/** Tries of the whole transaction when a generated tracking number is already taken. */
const TRACKING_NUMBER_TRIES = 3;

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

function refusal(orderId: string, status: ShippableOrderStatus | null) {
  switch (status) {
    case null:
      return orderNotShippable(orderId, null, `Shipping has not heard of order ${echoed(orderId)} as confirmed (no OrderConfirmed received), so it cannot be shipped.`);
    case 'CANCELLED':
      return orderNotShippable(orderId, status, `Order ${echoed(orderId)} was cancelled, so it cannot be shipped.`);
    case 'SHIPPED':
    case 'DELIVERED':
      return orderNotShippable(orderId, status, `Order ${echoed(orderId)} was already shipped: an order is shipped once.`);
    case 'CONFIRMED':
      throw new Error(`order ${orderId} is CONFIRMED: nothing to refuse`);
  }
}

/**
 * Ships a CONFIRMED order, in one transaction: the order moves CONFIRMED -> SHIPPED (a conditional
 * update, so of two requests at once the second waits for the first and then finds it SHIPPED), the
 * shipment and its first event are created, and OrderShipped goes to the outbox. Anything else is
 * refused with ORDER_NOT_SHIPPABLE and changes nothing.
 */
export async function shipOrder(prisma: PrismaClient, outbox: Outbox, orderId: string, carrier: Carrier, cause: MessageCause): Promise<Shipment> {
  if (!isUuid(orderId)) throw badUserInput('orderId is not an order id.', 'orderId');
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await outbox.transaction(prisma, cause, async (tx, publish) => {
        const [order] = await tx.shippableOrder.updateManyAndReturn({ where: { orderId, status: 'CONFIRMED' }, data: { status: 'SHIPPED' } });
        if (!order) throw refusal(orderId, (await tx.shippableOrder.findUnique({ where: { orderId } }))?.status ?? null);

        const shippedAt = new Date();
        const trackingNumber = generateTrackingNumber(carrier);
        const shipment = await tx.shipment.create({
          data: {
            orderId,
            customerId: order.customerId,
            carrier,
            trackingNumber,
            status: 'SHIPPED',
            shippedAt,
            events: { create: { status: 'SHIPPED', description: `Handed to ${carrier}, tracking number ${trackingNumber}.`, at: shippedAt } },
          },
        });
        publish(OrderShipped, { orderId, customerId: order.customerId, shipmentId: shipment.id, carrier, trackingNumber, at: shippedAt.toISOString() });
        return shipment;
      });
    } catch (error) {
      // A tracking number someone already has (rare): everything rolled back, so try again with another.
      // A second shipment for the order cannot get here: the order row was SHIPPED first.
      if (isUniqueViolation(error) && attempt < TRACKING_NUMBER_TRIES) continue;
      throw error;
    }
  }
}

export interface DeliveryOutcome {
  readonly shipment: Shipment;
  /** False when it was delivered already: nothing was written, nothing is published. */
  readonly changed: boolean;
}

/**
 * Marks a SHIPPED shipment DELIVERED, in one transaction with its event, the order's DELIVERED and
 * OrderDelivered in the outbox. A delivered one is returned as it is; a missing one is NOT_FOUND.
 */
export async function markDelivered(prisma: PrismaClient, outbox: Outbox, shipmentId: string, cause: MessageCause): Promise<DeliveryOutcome> {
  if (!isUuid(shipmentId)) throw notFound('Shipment');
  return outbox.transaction(prisma, cause, async (tx, publish) => {
    const deliveredAt = new Date();
    const [shipment] = await tx.shipment.updateManyAndReturn({ where: { id: shipmentId, status: 'SHIPPED' }, data: { status: 'DELIVERED', deliveredAt } });
    if (!shipment) {
      const existing = await tx.shipment.findUnique({ where: { id: shipmentId } });
      if (!existing) throw notFound('Shipment');
      return { shipment: existing, changed: false };
    }
    await tx.shipmentEvent.create({ data: { shipmentId, status: 'DELIVERED', description: `Delivered by ${shipment.carrier}.`, at: deliveredAt } });
    // An order cancelled after it shipped stays CANCELLED: the parcel still arrived, and that is recorded.
    await tx.shippableOrder.updateMany({ where: { orderId: shipment.orderId, status: 'SHIPPED' }, data: { status: 'DELIVERED' } });
    publish(OrderDelivered, { orderId: shipment.orderId, customerId: shipment.customerId, shipmentId: shipment.id, at: deliveredAt.toISOString() });
    return { shipment, changed: true };
  });
}
