import { type ProductUpserted } from '../../../common/contracts/messages/index.ts';
import type { PayloadOf } from '../../../common/messaging/catalogue.ts';
import type { Product } from '../generated/prisma/client.ts';

/** What ProductUpserted tells the services that copy a product's current name and price. */
export function productUpserted(product: Product): PayloadOf<typeof ProductUpserted> {
  return { productId: product.id, name: product.name, priceAmount: product.priceAmount, priceCurrency: product.priceCurrency };
}
