import { allow, rule } from 'graphql-shield';
import { forbidden, unauthenticated } from '../../common/errors.ts';
import { isAdmin, isOwnerOrAdmin } from '../../common/subgraph/rules.ts';
import type { ShippingContext } from './context.ts';
import type { Shipment } from './generated/prisma/client.ts';
import type { OrderReference } from './resolvers/order-reference.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

/** The shipment's customer (the order's) or an admin. */
export const shipmentOwnerOrAdmin = isOwnerOrAdmin((shipment: Shipment) => shipment.customerId);

/**
 * Order.shipment: the same owner-or-admin decision, taken on the shipment the field resolves to
 * (loaded through the request's DataLoader, so the resolver's load costs no second query). Refusing
 * here yields `shipment: null` with one FORBIDDEN error (UNAUTHENTICATED when anonymous), where the
 * Shipment fields' rule alone would report one error per selected field. An order that has not
 * shipped is simply null.
 */
export const canSeeOrderShipment = rule({ cache: 'strict' })(async (order: OrderReference, _args, context: ShippingContext) => {
  const shipment = await context.loaders.shipmentByOrderId.load(order.id);
  if (shipment === null) return true;
  if (!context.viewer) return unauthenticated();
  if (context.viewer.role === 'ADMIN' || shipment.customerId === context.viewer.id) return true;
  return forbidden("Only the order's customer or an admin may see its shipment.");
});

// Deny by default (subgraphShield). Shipment keeps the owner rule on the type, so it holds however a
// shipment is reached; its events are only reachable through it.
export const permissions: PermissionsFor<Resolvers> = {
  Order: { id: allow, shipment: canSeeOrderShipment },
  Shipment: shipmentOwnerOrAdmin,
  ShipmentEvent: allow,
  Mutation: { shipOrder: isAdmin, markDelivered: isAdmin },
};
