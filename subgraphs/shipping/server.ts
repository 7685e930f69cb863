import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { ShippingConfig } from './config.ts';
import type { ShippingContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createShippingLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The shipping subgraph: Order.shipment, shipOrder and markDelivered. */
export function createShippingServer({ config, prisma, log, metrics, health, outbox }: SubgraphDependencies<ShippingConfig, PrismaClient>) {
  return createSubgraphServer<ShippingContext>({
    name: 'shipping',
    typeDefs,
    resolvers,
    permissions,
    gatewaySecret: config.gatewaySecret,
    maxBodyBytes: config.maxBodyBytes,
    log,
    metrics,
    health,
    extendContext: (base) => ({ ...base, prisma, loaders: createShippingLoaders(prisma), outbox }),
  });
}
