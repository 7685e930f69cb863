import { ProductUpserted, SagaRoutes } from '../../../common/contracts/order-saga.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import { cartChangedRecord } from '../cart-messages.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const PRODUCT_PRICES_QUEUE = 'cart.product-prices';
export const PRODUCT_PRICES_BINDINGS = [SagaRoutes.productUpserted] as const;

/**
 * Keeps the cart's copy of catalog names and prices. A new price changes the subtotal of every
 * cart holding the product: each such cart gets a new version (so a checkout expecting the old
 * one is refused: nobody pays a total they did not see) and a CartChanged event. A redelivery
 * finds the price already there and changes nothing.
 */
export function createProductPricesHandler(prisma: PrismaClient, outbox: OutboxPublisher) {
  return async (message: Envelope): Promise<void> => {
    const product = ProductUpserted.parse(message.payload);
    const requestId = message.headers['x-request-id'] ?? message.id;
    const data = { name: product.name, priceAmount: product.priceAmount, priceCurrency: product.priceCurrency };
    const announced = await prisma.$transaction(async (tx) => {
      const before = await tx.productPrice.findUnique({ where: { productId: product.productId } });
      await tx.productPrice.upsert({ where: { productId: product.productId }, create: { productId: product.productId, ...data }, update: data });
      if (!before || (before.priceAmount === product.priceAmount && before.priceCurrency === product.priceCurrency)) return 0;
      const holding = { lines: { some: { productId: product.productId } } };
      // The update locks the carts, so the versions read next are the ones this transaction wrote.
      await tx.cart.updateMany({ where: holding, data: { version: { increment: 1 } } });
      const carts = await tx.cart.findMany({ where: holding });
      if (carts.length > 0) await tx.outboxMessage.createMany({ data: carts.map((cart) => cartChangedRecord(cart, requestId)) });
      return carts.length;
    });
    if (announced > 0) outbox.kick();
  };
}
