import { CommitStock, ReleaseStock, ReserveStock, SagaRoutes } from '../../../common/contracts/order-saga.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { commitStock, releaseStock, reserveStock } from './reservations.ts';

export const STOCK_COMMAND_QUEUE = 'inventory.stock-commands';
export const STOCK_COMMAND_BINDINGS = [SagaRoutes.reserveStock, SagaRoutes.releaseStock, SagaRoutes.commitStock] as const;

/** The saga's commands to inventory; each handler is idempotent by the order's reservation state. */
export function createStockCommandHandler(prisma: PrismaClient, outbox: OutboxPublisher) {
  return async (message: Envelope): Promise<void> => {
    switch (message.routingKey) {
      case SagaRoutes.reserveStock:
        await reserveStock(prisma, ReserveStock.parse(message.payload), message);
        break;
      case SagaRoutes.releaseStock:
        await releaseStock(prisma, ReleaseStock.parse(message.payload).orderId, message);
        break;
      case SagaRoutes.commitStock:
        await commitStock(prisma, CommitStock.parse(message.payload).orderId, message);
        break;
      default:
        throw new Error(`inventory got an unexpected command ${message.routingKey}`);
    }
    outbox.kick();
  };
}
