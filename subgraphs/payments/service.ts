import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadPaymentsConfig } from './config.ts';
import type { PaymentsContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createPaymentsLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { SimulatedCardProcessor } from './domain/processor/simulated-processor.ts';
import { resolvers } from './resolvers/index.ts';
import { startPaymentsWorkers } from './workers.ts';

// One per module, not per start: a processor remembers its charges across a restart, as a real one does.
const processor = new SimulatedCardProcessor();

/** The payments subgraph: each order's payment, contributed to orders' Order, charged through the simulated card processor. */
export const payments = defineSubgraph({
  name: 'payments',
  loadConfig: loadPaymentsConfig,
  openPrisma: prismaOpener(PrismaClient),
  // Replies to the saga are written to the OutboxMessage table in the transaction that decides them.
  outbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  parts: () => ({ processor }),
  context: (base, { prisma }): PaymentsContext => ({ ...base, prisma, loaders: createPaymentsLoaders(prisma) }),
  consumers: startPaymentsWorkers,
});
