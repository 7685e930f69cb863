import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createSubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { CatalogConfig } from './config.ts';
import type { CatalogContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createCatalogLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The catalog subgraph: products and categories. */
export function createCatalogServer({ config, prisma, log, metrics, health, outbox }: SubgraphDependencies<CatalogConfig, PrismaClient>) {
  return createSubgraphServer<CatalogContext>({
    name: 'catalog',
    typeDefs,
    resolvers,
    permissions,
    gatewaySecret: config.gatewaySecret,
    maxBodyBytes: config.maxBodyBytes,
    log,
    metrics,
    health,
    extendContext: (base) => ({ ...base, prisma, loaders: createCatalogLoaders(prisma), outbox }),
  });
}
