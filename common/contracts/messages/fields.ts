import { z } from 'zod';

// Payload pieces several messages share.
export const id = z.string().uuid();
export const money = { amount: z.number().int().nonnegative(), currency: z.string().length(3) };
export const lineItems = z.array(z.object({ productId: id, quantity: z.number().int().positive() })).min(1);
/** The saga's messages belong to their order's conversation. */
export const byOrder = { correlate: (payload: { orderId: string }) => payload.orderId };
