import type { BackgroundWorker, SubgraphService } from '../../common/service/subgraph-module.ts';
import { startPaymentCommandConsumer } from './handlers/payment-commands.ts';
import type { PaymentsConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { CardProcessor } from './domain/processor/card-processor.ts';

/** The saga's charge and refund commands, charged through the module's card processor. */
export async function startPaymentsWorkers({
  config,
  prisma,
  log,
  bus,
  outbox,
  parts,
}: SubgraphService<PaymentsConfig, PrismaClient, { readonly processor: CardProcessor }>): Promise<BackgroundWorker[]> {
  return [await startPaymentCommandConsumer(bus, { prisma, processor: parts.processor, processorTimeoutMs: config.processorTimeoutMs, outbox, log })];
}
