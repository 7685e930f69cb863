import type { CartChanged } from '../../../common/contracts/messages/index.ts';
import type { PayloadOf } from '../../../common/messaging/catalogue.ts';
import type { Cart } from '../generated/prisma/client.ts';

/** What CartChanged tells of a cart's new version (to its owner's cartChanged subscriptions). */
export function cartChanged(cart: Pick<Cart, 'id' | 'userId' | 'version' | 'updatedAt'>): PayloadOf<typeof CartChanged> {
  return { cartId: cart.id, userId: cart.userId, version: cart.version, at: cart.updatedAt.toISOString() };
}
