import { allow, rule } from 'graphql-shield';
import { forbidden, unauthenticated } from '../../common/errors.ts';
import { isOwnerOrAdmin } from '../../common/subgraph/rules.ts';
import type { PaymentsContext } from './context.ts';
import type { Payment } from './generated/prisma/client.ts';
import type { OrderReference } from './resolvers/order-reference.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

/** The payment's customer or an admin. A VOIDED tombstone whose charge never came has no customer: admins only. */
const ownsPayment = (payment: Payment) => payment.customerId ?? '';
export const paymentOwnerOrAdmin = isOwnerOrAdmin(ownsPayment);

/**
 * Order.payment: the same owner-or-admin decision, taken on the payment the field resolves to
 * (loaded through the request's DataLoader, so the resolver's load costs no second query). Refusing
 * here yields `payment: null` with one FORBIDDEN error, where the Payment fields' rule alone would
 * report one error per selected field. An order without a payment is simply null.
 */
export const canSeeOrderPayment = rule({ cache: 'strict' })(async (order: OrderReference, _args, context: PaymentsContext) => {
  const payment = await context.loaders.paymentByOrderId.load(order.id);
  if (payment === null) return true;
  if (!context.viewer) return unauthenticated();
  if (context.viewer.role === 'ADMIN' || ownsPayment(payment) === context.viewer.id) return true;
  return forbidden("Only the order's customer or an admin may see its payment.");
});

// Deny by default (subgraphShield): a payment is for the order's customer and admins only. Payment's
// own fields keep the owner rule, so it holds however a payment is reached.
export const permissions: PermissionsFor<Resolvers> = {
  Order: { id: allow, payment: canSeeOrderPayment },
  Payment: paymentOwnerOrAdmin,
  Money: allow,
};
