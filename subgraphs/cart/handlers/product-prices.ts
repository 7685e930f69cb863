import { CartChanged, ProductUpserted } from '../../../common/contracts/messages/index.ts';
import { causeOf, type PayloadOf } from '../../../common/messaging/catalogue.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import { cartChanged } from '../domain/cart-messages.ts';
import type { CartStore } from '../data/cart-store.ts';

export const PRODUCT_PRICES_QUEUE = 'cart.product-prices';

/**
 * Keeps the cart's copy of catalog names and prices. A new price changes the subtotal of every
 * cart holding the product: each such cart gets a new version (so a checkout expecting the old
 * one is refused: nobody pays a total they did not see) and a CartChanged event. A redelivery
 * finds the price already there and changes nothing.
 */
export function productPrices({ prisma, outbox }: CartStore): ConsumerDefinition {
  const copy = (product: PayloadOf<typeof ProductUpserted>, message: Envelope) =>
    outbox.transaction(prisma, causeOf(message), async (tx, publish) => {
      const data = { name: product.name, priceAmount: product.priceAmount, priceCurrency: product.priceCurrency };
      const before = await tx.productPrice.findUnique({ where: { productId: product.productId } });
      await tx.productPrice.upsert({ where: { productId: product.productId }, create: { productId: product.productId, ...data }, update: data });
      if (!before || (before.priceAmount === product.priceAmount && before.priceCurrency === product.priceCurrency)) return;
      const holding = { lines: { some: { productId: product.productId } } };
      // The update locks the carts, so the versions read next are the ones this transaction wrote.
      await tx.cart.updateMany({ where: holding, data: { version: { increment: 1 } } });
      for (const cart of await tx.cart.findMany({ where: holding })) publish(CartChanged, cartChanged(cart));
    });
  return consumer({ queue: PRODUCT_PRICES_QUEUE, handlers: [on(ProductUpserted, copy)] });
}
