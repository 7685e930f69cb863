// Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.
import type { SubgraphConfig } from '../common/service/subgraph-config.ts';
import type { PrismaHandle, SubgraphModule } from '../common/service/subgraph-module.ts';
import { accounts } from './accounts/service.ts';
import { catalog } from './catalog/service.ts';
import { inventory } from './inventory/service.ts';
import { orders } from './orders/service.ts';
import { payments } from './payments/service.ts';
import { shipping } from './shipping/service.ts';
import { notifications } from './notifications/service.ts';
import { cart } from './cart/service.ts';

/** Every subgraph, in the registry's order: what the runner starts. */
export const subgraphModules: readonly SubgraphModule<SubgraphConfig, PrismaHandle>[] = [accounts, catalog, inventory, orders, payments, shipping, notifications, cart];
