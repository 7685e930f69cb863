import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadPaymentsConfig } from './config.ts';
import type { PaymentsContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createPaymentsLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import type { CardProcessor } from './domain/processor/card-processor.ts';
import { SimulatedCardProcessor } from './domain/processor/simulated-processor.ts';
import { resolvers } from './resolvers/index.ts';
import { startPaymentsWorkers } from './workers.ts';

const typeDefs = loadTypeDefs(import.meta.url);

/**
 * The payments subgraph: each order's payment, contributed to orders' Order. `processor` is the card
 * processor it charges through: the simulated one unless a caller (a test) passes its own.
 */
export function createPaymentsModule(options: { readonly processor?: CardProcessor } = {}) {
  // One per module, not per start: a processor remembers its charges across a restart, as a real one does.
  const processor = options.processor ?? new SimulatedCardProcessor();
  return defineSubgraph({
    name: 'payments',
    loadConfig: loadPaymentsConfig,
    openPrisma: prismaOpener(PrismaClient),
    // Replies to the saga are written to the OutboxMessage table in the transaction that decides them.
    outbox: true,
    typeDefs,
    resolvers,
    permissions,
    parts: () => ({ processor }),
    context: (base, { prisma }): PaymentsContext => ({ ...base, prisma, loaders: createPaymentsLoaders(prisma) }),
    consumers: startPaymentsWorkers,
  });
}

export const payments = createPaymentsModule();
