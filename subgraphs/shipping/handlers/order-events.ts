import { OrderCancelled, OrderConfirmed } from '../../../common/contracts/messages/index.ts';
import type { Logger } from '../../../common/logger.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import { handleOnce } from '../../../common/messaging/inbox.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const ORDER_EVENTS_QUEUE = 'shipping.order-events';

/**
 * Keeps ShippableOrder: which orders shipping may ship. Each message is handled once (inbox), and
 * each change applies only from the states it expects, so a duplicate or an event that arrives late
 * changes nothing it should not:
 *
 * - OrderConfirmed inserts the order as CONFIRMED when shipping does not know it yet; an order
 *   already known (cancelled, shipped, delivered) stays as it is. orders never confirms a cancelled order.
 * - OrderCancelled makes a CONFIRMED or SHIPPED order CANCELLED (admins may cancel a shipped order),
 *   and an unknown one CANCELLED (the cancellation overtook the confirmation), which a late
 *   OrderConfirmed then leaves alone. A DELIVERED order stays DELIVERED.
 */
export function orderEvents({ prisma, log }: { readonly prisma: PrismaClient; readonly log: Logger }): ConsumerDefinition {
  return consumer({
    queue: ORDER_EVENTS_QUEUE,
    handlers: [
      on(OrderConfirmed, async ({ orderId, customerId }, message) => {
        await handleOnce(prisma, ORDER_EVENTS_QUEUE, message, async (tx) => {
          const { count } = await tx.shippableOrder.createMany({ data: [{ orderId, customerId, status: 'CONFIRMED' }], skipDuplicates: true });
          if (count === 1) log.info({ orderId }, 'order confirmed: it can be shipped');
        });
      }),
      on(OrderCancelled, async ({ orderId, customerId }, message) => {
        await handleOnce(prisma, ORDER_EVENTS_QUEUE, message, async (tx) => {
          const { count } = await tx.shippableOrder.createMany({ data: [{ orderId, customerId, status: 'CANCELLED' }], skipDuplicates: true });
          if (count === 1) return;
          const moved = await tx.shippableOrder.updateMany({ where: { orderId, status: { in: ['CONFIRMED', 'SHIPPED'] } }, data: { status: 'CANCELLED' } });
          if (moved.count === 1) log.info({ orderId }, 'order cancelled: it will not be shipped');
        });
      }),
    ],
  });
}
