import { GraphQLError } from 'graphql';

/**
 * shipping's own error codes, beside the shared ones of common/errors.ts (where they belong once
 * added to `ErrorCode`; codes are public API: add, never rename).
 */
export const ShippingErrorCode = {
  orderNotShippable: 'ORDER_NOT_SHIPPABLE',
} as const;

/**
 * Refuses to ship an order. `status` is the order's status as shipping knows it: CANCELLED, SHIPPED,
 * DELIVERED, or null when shipping never heard of the order (no OrderConfirmed received).
 */
export function orderNotShippable(orderId: string, status: string | null, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ShippingErrorCode.orderNotShippable, orderId, status } });
}
