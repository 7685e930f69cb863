import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { id } from './fields.ts';

/** The catalog's product data, replicated where prices are needed (orders, cart). */
export const ProductUpserted = defineMessage(
  'catalog.product-upserted',
  z.object({ productId: id, name: z.string(), priceAmount: z.number().int().nonnegative(), priceCurrency: z.string().length(3) }),
);

/**
 * A category created, renamed, moved or deleted, with its state after the change (before it, for a
 * deletion). The gateway's entity cache drops the category, and the lists and products holding it.
 */
export const CategoryChanged = defineMessage(
  'catalog.category-changed',
  z.object({
    categoryId: id,
    change: z.enum(['CREATED', 'RENAMED', 'MOVED', 'DELETED']),
    slug: z.string().min(1),
    name: z.string().min(1),
    parentId: id.nullable(),
  }),
);
