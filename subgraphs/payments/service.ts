import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { startPaymentCommandConsumer } from './commands/payment-commands.ts';
import { loadPaymentsConfig, type PaymentsConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import type { CardProcessor } from './processor/card-processor.ts';
import { SimulatedCardProcessor } from './processor/simulated-processor.ts';
import { createPaymentsServer } from './server.ts';

/**
 * The payments service. `processor` is the card processor it charges through: the simulated one
 * unless a caller (a test) passes its own.
 */
export function createPaymentsModule(
  options: { readonly processor?: CardProcessor } = {},
): SubgraphModule<PaymentsConfig, PrismaClient> {
  const processor = options.processor ?? new SimulatedCardProcessor();
  return {
    name: 'payments',
    loadConfig: loadPaymentsConfig,
    openPrisma: prismaOpener(PrismaClient),
    // Replies to the saga are written to the OutboxMessage table in the transaction that decides them.
    outbox: true,
    startWorkers: async ({ config, prisma, log, bus, outbox }) => [
      await startPaymentCommandConsumer(bus, { prisma, processor, processorTimeoutMs: config.processorTimeoutMs, outbox, log }),
    ],
    createServer: createPaymentsServer,
  };
}

export const payments = createPaymentsModule();
