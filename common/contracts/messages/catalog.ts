import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { id } from './fields.ts';

/** The catalog's product data, replicated where prices are needed (orders, cart). */
export const ProductUpserted = defineMessage(
  'catalog.product-upserted',
  z.object({ productId: id, name: z.string(), priceAmount: z.number().int().nonnegative(), priceCurrency: z.string().length(3) }),
);
