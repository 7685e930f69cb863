import { GraphQLError } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { ErrorCode } from '../../../common/errors.ts';

/** How checkout calls end: `placed` (an order came back), or the error code, lower-cased. */
export interface CheckoutMetrics {
  /** Runs one checkout call and counts how it ended. */
  observe<T>(call: () => Promise<T>): Promise<T>;
}

/** The checkout counter in the service's registry. */
export function checkoutMetrics(registry: Registry): CheckoutMetrics {
  const checkouts = new Counter({
    name: 'cart_checkouts_total',
    help:
      'checkout calls, by outcome: "placed" = the order exists and was returned; otherwise the error code in lower case ' +
      '(cart_changed, cart_empty, checkout_pending = still being placed, unknown_product, idempotency_key_reused, ...).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Zero series from the start, so a rate() over a fresh process is defined.
  for (const outcome of ['placed', 'checkout_pending']) checkouts.inc({ outcome }, 0);
  return {
    async observe(call) {
      try {
        const result = await call();
        checkouts.inc({ outcome: 'placed' });
        return result;
      } catch (error) {
        const code = error instanceof GraphQLError ? String(error.extensions['code'] ?? ErrorCode.internal) : ErrorCode.internal;
        checkouts.inc({ outcome: code.toLowerCase() });
        throw error;
      }
    },
  };
}
