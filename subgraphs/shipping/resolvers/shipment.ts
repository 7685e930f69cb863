import type { ShipmentResolvers } from '../generated/graphql.ts';

export const Shipment: ShipmentResolvers = {
  events: (shipment, _args, { loaders }) => loaders.eventsByShipmentId.load(shipment.id),
};
