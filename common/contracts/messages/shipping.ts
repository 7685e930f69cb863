import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { byOrder, id } from './fields.ts';

// shipping's events: orders moves the order on, notifications tells the customer.
export const OrderShipped = defineMessage(
  'shipping.order-shipped',
  z.object({ orderId: id, customerId: id, shipmentId: id, carrier: z.string(), trackingNumber: z.string(), at: z.string() }),
  byOrder,
);
export const OrderDelivered = defineMessage('shipping.order-delivered', z.object({ orderId: id, customerId: id, shipmentId: id, at: z.string() }), byOrder);
