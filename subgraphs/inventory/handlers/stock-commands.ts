import { CommitStock, ReleaseStock, ReserveStock } from '../../../common/contracts/messages/index.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import { commitStock, releaseStock, reserveStock, type Inventory } from '../domain/reservations.ts';

export const STOCK_COMMAND_QUEUE = 'inventory.stock-commands';

/** The saga's commands to inventory; each handler is idempotent by the order's reservation state. */
export function stockCommands(inventory: Inventory): ConsumerDefinition {
  return consumer({
    queue: STOCK_COMMAND_QUEUE,
    handlers: [
      on(ReserveStock, (command, message) => reserveStock(inventory, command, message)),
      on(ReleaseStock, ({ orderId }, message) => releaseStock(inventory, orderId, message)),
      on(CommitStock, ({ orderId }, message) => commitStock(inventory, orderId, message)),
    ],
    unknown: 'retry', // a command nobody handles must reach the dead-letter queue, not vanish
  });
}
