/** What one order may hold (placeOrder), and so what one cart may hold (cart). */
export const ORDER_LIMITS = { maxLines: 50, maxQuantity: 100, maxKeyLength: 200, maxTokenLength: 100 } as const;
