import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createSubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { PaymentsConfig } from './config.ts';
import type { PaymentsContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createPaymentsLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The payments subgraph: each order's payment, contributed to orders' Order. */
export function createPaymentsServer({ config, prisma, log, metrics, health }: SubgraphDependencies<PaymentsConfig, PrismaClient>) {
  return createSubgraphServer<PaymentsContext>({
    name: 'payments',
    typeDefs,
    resolvers,
    permissions,
    gatewaySecret: config.gatewaySecret,
    maxBodyBytes: config.maxBodyBytes,
    log,
    metrics,
    health,
    extendContext: (base) => ({ ...base, prisma, loaders: createPaymentsLoaders(prisma) }),
  });
}
