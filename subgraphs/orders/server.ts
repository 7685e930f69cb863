import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { OrdersConfig } from './config.ts';
import type { OrdersContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createOrdersLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The orders subgraph: the Order aggregate, placeOrder/cancelOrder, and User.orders. */
export function createOrdersServer({ config, prisma, log, metrics, health, outbox }: SubgraphDependencies<OrdersConfig, PrismaClient>) {
  return createSubgraphServer<OrdersContext>({
    name: 'orders',
    typeDefs,
    resolvers,
    permissions,
    gatewaySecret: config.gatewaySecret,
    maxBodyBytes: config.maxBodyBytes,
    log,
    metrics,
    health,
    extendContext: (base) => ({ ...base, prisma, loaders: createOrdersLoaders(prisma), outbox, saga: config.saga }),
  });
}
