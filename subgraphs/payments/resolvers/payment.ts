import type { PaymentResolvers } from '../generated/graphql.ts';

export const Payment: PaymentResolvers = {
  amount: (payment) => ({ amount: payment.amount, currency: payment.currency }),
};
