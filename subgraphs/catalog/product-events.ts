import { SagaRoutes, type ProductUpserted } from '../../common/contracts/order-saga.ts';
import { createEnvelope } from '../../common/messaging/envelope.ts';
import { outboxRecord } from '../../common/messaging/outbox.ts';
import type { Product } from './generated/prisma/client.ts';

/** The outbox row announcing a product's current name and price to the services that copy them. */
export function productUpsertedRecord(product: Product, requestId: string) {
  const payload: ProductUpserted = {
    productId: product.id,
    name: product.name,
    priceAmount: product.priceAmount,
    priceCurrency: product.priceCurrency,
  };
  return outboxRecord(createEnvelope(SagaRoutes.productUpserted, 'ProductUpserted', payload, { 'x-request-id': requestId }));
}
