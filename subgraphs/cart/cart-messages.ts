import { CartRoutes, type CartChanged, type CheckoutRequested } from '../../common/contracts/cart.ts';
import { createEnvelope } from '../../common/messaging/envelope.ts';
import { outboxRecord } from '../../common/messaging/outbox.ts';
import type { Cart } from './generated/prisma/client.ts';

/** The outbox row announcing a cart's new version (to its owner's cartChanged subscriptions). */
export function cartChangedRecord(cart: Pick<Cart, 'id' | 'userId' | 'version' | 'updatedAt'>, requestId: string) {
  const payload: CartChanged = { cartId: cart.id, userId: cart.userId, version: cart.version, at: cart.updatedAt.toISOString() };
  return outboxRecord(createEnvelope(CartRoutes.cartChanged, 'CartChanged', payload, { 'x-request-id': requestId, 'correlation-id': cart.id }));
}

/** The outbox row asking orders to place a checkout's order. */
export function checkoutRequestedRecord(payload: CheckoutRequested, requestId: string) {
  return outboxRecord(
    createEnvelope(CartRoutes.checkoutRequested, 'CheckoutRequested', payload, { 'x-request-id': requestId, 'correlation-id': payload.checkoutId }),
  );
}
