import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { OrdersConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { PRODUCT_SNAPSHOT_BINDINGS, PRODUCT_SNAPSHOT_QUEUE, createProductSnapshotHandler } from './handlers/product-snapshot.ts';
import { SAGA_REPLY_BINDINGS, SAGA_REPLY_QUEUE, createSagaReplyHandler } from './saga/reply-handler.ts';
import { startTimeoutSweeper } from './saga/timeout-sweeper.ts';

/** The saga's reply consumer, its timeout sweeper, and the catalog price replica. */
export async function startOrdersWorkers({ config, prisma, bus, outbox, log }: SubgraphDependencies<OrdersConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  const replies = await bus.consume(SAGA_REPLY_QUEUE, SAGA_REPLY_BINDINGS, createSagaReplyHandler({ prisma, outbox, log, stepTimeoutMs: config.saga.stepTimeoutMs }));
  const prices = await bus.consume(PRODUCT_SNAPSHOT_QUEUE, PRODUCT_SNAPSHOT_BINDINGS, createProductSnapshotHandler(prisma));
  const sweeper = startTimeoutSweeper({ prisma, outbox, log, intervalMs: config.saga.sweepIntervalMs });
  return [{ stop: () => replies.cancel() }, { stop: () => prices.cancel() }, sweeper];
}
