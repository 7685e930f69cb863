import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createSubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { InventoryConfig } from './config.ts';
import type { InventoryContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createInventoryLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The inventory subgraph: stock levels, contributed to catalog's Product. */
export function createInventoryServer({ config, prisma, log, metrics, health }: SubgraphDependencies<InventoryConfig, PrismaClient>) {
  return createSubgraphServer<InventoryContext>({
    name: 'inventory',
    typeDefs,
    resolvers,
    permissions,
    gatewaySecret: config.gatewaySecret,
    maxBodyBytes: config.maxBodyBytes,
    log,
    metrics,
    health,
    extendContext: (base) => ({ ...base, prisma, loaders: createInventoryLoaders(prisma) }),
  });
}
