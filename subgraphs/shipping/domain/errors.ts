import type { GraphQLError } from 'graphql';
import { ErrorCode, echoed, graphQLError } from '../../../common/errors.ts';

/**
 * Refuses to ship an order. `status` is the order's status as shipping knows it: CANCELLED, SHIPPED,
 * DELIVERED, or null when shipping never heard of the order (no OrderConfirmed received).
 */
export function orderNotShippable(orderId: string, status: string | null, message: string): GraphQLError {
  return graphQLError(ErrorCode.orderNotShippable, message, { orderId: echoed(orderId), status });
}
