// The message catalogue: every message between the services, defined once (route, type, payload
// schema), grouped by the service that owns its route. The gateway reads none of these by name:
// Subscription fields declare the topic and the payload fields they use with `@event`.
import { messagesByOwner, type MessageDefinition } from '../../messaging/catalogue.ts';
import { SUBGRAPH_NAMES } from '../../service/subgraph-registry.ts';
import * as cart from './cart.ts';
import * as catalog from './catalog.ts';
import * as inventory from './inventory.ts';
import * as notifications from './notifications.ts';
import * as orders from './orders.ts';
import * as payments from './payments.ts';
import * as shipping from './shipping.ts';

export * from './cart.ts';
export * from './catalog.ts';
export * from './inventory.ts';
export * from './notifications.ts';
export * from './orders.ts';
export * from './payments.ts';
export * from './shipping.ts';

const isMessage = (value: unknown): value is MessageDefinition => typeof value === 'object' && value !== null && 'route' in value && 'type' in value && 'schema' in value;

/**
 * Every message, by the service that owns its route (the route's first word), in the registry's
 * order: an owner is a subgraph of common/service/subgraph-registry.ts, never a list of its own.
 */
export const catalogue: Readonly<Record<string, readonly MessageDefinition[]>> = messagesByOwner(
  [cart, catalog, inventory, notifications, orders, payments, shipping].flatMap((module) => Object.values(module).filter(isMessage)),
  SUBGRAPH_NAMES,
);
