import { createHash } from 'node:crypto';
import { ORDER_LIMITS } from '../../../../common/contracts/order-limits.ts';
import { ErrorCode, badUserInput, echoed, graphQLError } from '../../../../common/errors.ts';
import { isUuid } from '../../../../common/loaders.ts';
import type { MessageCause } from '../../../../common/messaging/catalogue.ts';
import type { Outbox } from '../../../../common/messaging/outbox-publisher.ts';
import { Prisma, type Order, type PrismaClient } from '../../generated/prisma/client.ts';
import type { PlaceOrderInput } from '../../generated/graphql.ts';
import { sagaMessages } from './saga-messages.ts';

/**
 * A burst of orders queues for the pool (on the embedded PGlite, for its one connection): Prisma's
 * defaults (2 s to start, 5 s to finish) would fail orders that only had to wait, as
 * INTERNAL_SERVER_ERROR. Still inside the gateway's SUBGRAPH_TIMEOUT_MS.
 */
const PLACE_ORDER_TRANSACTION = { maxWait: 5_000, timeout: 10_000 } as const;

interface Line {
  readonly productId: string;
  readonly quantity: number;
}

/** Checks the request and merges repeated products; throws BAD_USER_INPUT naming the field. */
function normalise(input: PlaceOrderInput, idempotencyKey: string): { lines: Line[]; paymentToken: string } {
  if (idempotencyKey.length === 0 || idempotencyKey.length > ORDER_LIMITS.maxKeyLength) {
    throw badUserInput(`idempotencyKey has 1 to ${ORDER_LIMITS.maxKeyLength} characters.`, 'idempotencyKey');
  }
  const paymentToken = input.paymentToken.trim();
  if (paymentToken.length === 0) throw badUserInput('paymentToken is required.', 'paymentToken');
  if (paymentToken.length > ORDER_LIMITS.maxTokenLength) {
    throw badUserInput(`paymentToken is too long: at most ${ORDER_LIMITS.maxTokenLength} characters (it has ${paymentToken.length}).`, 'paymentToken');
  }
  if (input.items.length === 0 || input.items.length > ORDER_LIMITS.maxLines) {
    throw badUserInput(`An order has 1 to ${ORDER_LIMITS.maxLines} items.`, 'items');
  }
  const merged = new Map<string, number>();
  for (const item of input.items) {
    if (!isUuid(item.productId)) {
      throw graphQLError(ErrorCode.unknownProduct, `Product ${echoed(item.productId)} does not exist.`, { productIds: [echoed(item.productId)] });
    }
    if (!Number.isInteger(item.quantity) || item.quantity < 1) throw badUserInput('Each quantity is at least 1.', 'quantity');
    const id = item.productId.toLowerCase();
    merged.set(id, (merged.get(id) ?? 0) + item.quantity);
  }
  const lines = [...merged].map(([productId, quantity]) => ({ productId, quantity })).sort((a, b) => a.productId.localeCompare(b.productId));
  if (lines.some((line) => line.quantity > ORDER_LIMITS.maxQuantity)) {
    throw badUserInput(`At most ${ORDER_LIMITS.maxQuantity} units of one product per order.`, 'quantity');
  }
  return { lines, paymentToken };
}

const hashOf = (lines: readonly Line[], paymentToken: string) => createHash('sha256').update(JSON.stringify({ lines, paymentToken })).digest('hex');

async function replay(prisma: PrismaClient, customerId: string, idempotencyKey: string, requestHash: string): Promise<Order | null> {
  const existing = await prisma.order.findUnique({ where: { customerId_idempotencyKey: { customerId, idempotencyKey } } });
  if (existing && existing.requestHash !== requestHash) {
    throw graphQLError(ErrorCode.idempotencyKeyReused, 'This idempotencyKey was used for a different order.', { field: 'idempotencyKey' });
  }
  return existing;
}

export interface PlaceOrderRequest {
  readonly customerId: string;
  readonly input: PlaceOrderInput;
  readonly idempotencyKey: string;
  readonly stepTimeoutMs: number;
  /** The request (or checkout command) the order is placed for: its messages carry its id. */
  readonly cause: MessageCause;
}

/**
 * Stores a PENDING order, priced from the catalog's replicated prices, together with the saga's
 * first command and the OrderPlaced event, in one transaction. The same key from the same
 * customer returns the first order.
 */
export async function placeOrder(prisma: PrismaClient, outbox: Outbox, request: PlaceOrderRequest): Promise<Order> {
  const { lines, paymentToken } = normalise(request.input, request.idempotencyKey);
  const requestHash = hashOf(lines, paymentToken);
  const earlier = await replay(prisma, request.customerId, request.idempotencyKey, requestHash);
  if (earlier) return earlier;

  const products = await prisma.productSnapshot.findMany({ where: { productId: { in: lines.map((line) => line.productId) } } });
  const unknown = lines.filter((line) => !products.some((product) => product.productId === line.productId));
  if (unknown.length > 0) {
    throw graphQLError(ErrorCode.unknownProduct, `${unknown.length === 1 ? 'A product does' : 'Some products do'} not exist.`, {
      productIds: echoed(unknown.map((line) => line.productId)),
    });
  }
  const currencies = new Set(products.map((product) => product.priceCurrency));
  if (currencies.size > 1) throw badUserInput('All items of one order must be priced in one currency.', 'items');
  const priced = lines.map((line) => {
    const product = products.find((candidate) => candidate.productId === line.productId)!;
    return { ...line, productName: product.name, unitPriceAmount: product.priceAmount };
  });

  try {
    return await outbox.transaction(
      prisma,
      request.cause,
      async (tx, publish) => {
        const order = await tx.order.create({
          data: {
            customerId: request.customerId,
            totalAmount: priced.reduce((sum, line) => sum + line.unitPriceAmount * line.quantity, 0),
            currency: [...currencies][0] ?? 'USD',
            paymentToken,
            idempotencyKey: request.idempotencyKey,
            requestHash,
            sagaDeadline: new Date(Date.now() + request.stepTimeoutMs),
            items: { create: priced },
            history: { create: { status: 'PENDING' } },
          },
          include: { history: true },
        });
        const messages = sagaMessages(publish);
        messages.orderPlaced(order, priced);
        messages.statusChanged(order, { status: 'PENDING', previousStatus: null, reason: null, at: order.createdAt });
        messages.reserveStock(order, priced);
        const { history: _history, ...plain } = order;
        return plain;
      },
      PLACE_ORDER_TRANSACTION,
    );
  } catch (error) {
    // The same key raced in twice: the first insert won, answer with its order.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await replay(prisma, request.customerId, request.idempotencyKey, requestHash);
      if (winner) return winner;
    }
    throw error;
  }
}
