import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { byOrder, id, lineItems } from './fields.ts';

// The order saga's commands to inventory (from orders) and inventory's replies.
export const ReserveStock = defineMessage('inventory.reserve-stock', z.object({ orderId: id, items: lineItems }), byOrder);
export const ReleaseStock = defineMessage('inventory.release-stock', z.object({ orderId: id }), byOrder);
export const CommitStock = defineMessage('inventory.commit-stock', z.object({ orderId: id }), byOrder);
export const StockReserved = defineMessage('inventory.stock-reserved', z.object({ orderId: id }), byOrder);
export const StockReservationFailed = defineMessage(
  'inventory.stock-reservation-failed',
  z.object({ orderId: id, reason: z.enum(['OUT_OF_STOCK', 'ORDER_RELEASED']), productId: id.optional() }),
  byOrder,
);
export const StockReleased = defineMessage('inventory.stock-released', z.object({ orderId: id }), byOrder);
export const StockCommitted = defineMessage('inventory.stock-committed', z.object({ orderId: id }), byOrder);

/**
 * A product's stock moved (restock, reservation, release, commit), with what is available once the
 * transaction commits. Carries its cause's correlation (the order, when the saga moved it).
 */
export const StockChanged = defineMessage('inventory.stock-changed', z.object({ productId: id, available: z.number().int(), at: z.string() }));
