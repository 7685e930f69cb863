import { ORDER_LIMITS } from '../../../common/contracts/order-limits.ts';
import { ErrorCode, badUserInput, echoed, graphQLError } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import { CartChanged } from '../../../common/contracts/messages/index.ts';
import type { Outbox, Publish } from '../../../common/messaging/outbox-publisher.ts';
import { cartChanged } from '../domain/cart-messages.ts';
import { Prisma, type Cart, type CartLine, type PrismaClient } from '../generated/prisma/client.ts';

export type Tx = Prisma.TransactionClient;

/**
 * Edits of one cart queue on its row lock and on the pool: on a busy machine Prisma's defaults
 * (2 s to get a connection, 5 s to finish) would fail a burst of edits that only had to wait.
 */
export const CART_TRANSACTION = { maxWait: 5_000, timeout: 10_000 } as const;

/** The cart's database and its outbox, which the changes publish CartChanged through. */
export interface CartStore {
  readonly prisma: PrismaClient;
  readonly outbox: Outbox;
}

/** The caller's cart, created empty on first use (one per user: a concurrent creation finds the winner's). */
export async function ensureCart(prisma: PrismaClient, userId: string): Promise<Cart> {
  try {
    return await prisma.cart.upsert({ where: { userId }, create: { userId }, update: {} });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return prisma.cart.findUniqueOrThrow({ where: { userId } });
    throw error;
  }
}

/** Locks the cart row until the transaction ends: every change of one cart runs one at a time. */
export async function lockCart(tx: Tx, cartId: string): Promise<CartLine[]> {
  await tx.$queryRaw`SELECT 1 FROM "Cart" WHERE "id" = ${cartId}::uuid FOR UPDATE`;
  return tx.cartLine.findMany({ where: { cartId } });
}

/** After a change: version + 1 and a CartChanged event, in the change's transaction. */
export async function recordChange(tx: Tx, publish: Publish, cartId: string): Promise<Cart> {
  const cart = await tx.cart.update({ where: { id: cartId }, data: { version: { increment: 1 } } });
  publish(CartChanged, cartChanged(cart));
  return cart;
}

/**
 * Runs `change` on the caller's locked cart in one transaction. `change` returns whether it
 * changed anything (a no-op keeps the version) and throws to refuse: nothing is written then.
 */
async function changeCart(
  { prisma, outbox }: CartStore,
  userId: string,
  requestId: string,
  change: (tx: Tx, cartId: string, lines: CartLine[]) => Promise<boolean>,
): Promise<Cart> {
  const { id } = await ensureCart(prisma, userId);
  return outbox.transaction(
    prisma,
    { requestId },
    async (tx, publish) => {
      const lines = await lockCart(tx, id);
      if (await change(tx, id, lines)) return recordChange(tx, publish, id);
      return tx.cart.findUniqueOrThrow({ where: { id } });
    },
    CART_TRANSACTION,
  );
}

const unknownProduct = (productId: string) => graphQLError(ErrorCode.unknownProduct, `Product ${echoed(productId)} does not exist.`, { productIds: [echoed(productId)] });

/** A product the catalog has published (its price is in the replica), by its canonical id. */
async function knownProduct(prisma: PrismaClient, productId: string): Promise<string> {
  if (!isUuid(productId)) throw unknownProduct(productId);
  const id = productId.toLowerCase();
  if (!(await prisma.productPrice.findUnique({ where: { productId: id } }))) throw unknownProduct(productId);
  return id;
}

function checkQuantity(quantity: number, minimum: 0 | 1): void {
  if (!Number.isInteger(quantity) || quantity < minimum || quantity > ORDER_LIMITS.maxQuantity) {
    throw badUserInput(`quantity is between ${minimum} and ${ORDER_LIMITS.maxQuantity}.`, 'quantity');
  }
}

/** Sets a line in a locked cart, holding the per-line and per-cart limits. */
async function setLine(tx: Tx, cartId: string, lines: CartLine[], productId: string, quantity: number): Promise<boolean> {
  const existing = lines.find((line) => line.productId === productId);
  if (existing?.quantity === quantity) return false;
  if (quantity > ORDER_LIMITS.maxQuantity) throw badUserInput(`At most ${ORDER_LIMITS.maxQuantity} units of one product per cart.`, 'quantity');
  if (existing) {
    await tx.cartLine.update({ where: { cartId_productId: { cartId, productId } }, data: { quantity } });
    return true;
  }
  if (lines.length >= ORDER_LIMITS.maxLines) throw badUserInput(`A cart holds at most ${ORDER_LIMITS.maxLines} products.`, 'productId');
  await tx.cartLine.create({ data: { cartId, productId, quantity } });
  return true;
}

export async function addToCart(store: CartStore, userId: string, productId: string, quantity: number, requestId: string): Promise<Cart> {
  checkQuantity(quantity, 1);
  const id = await knownProduct(store.prisma, productId);
  return changeCart(store, userId, requestId, (tx, cartId, lines) => {
    const current = lines.find((line) => line.productId === id)?.quantity ?? 0;
    return setLine(tx, cartId, lines, id, current + quantity);
  });
}

export async function updateCartItem(store: CartStore, userId: string, productId: string, quantity: number, requestId: string): Promise<Cart> {
  checkQuantity(quantity, 0);
  if (quantity === 0) return removeFromCart(store, userId, productId, requestId);
  const id = await knownProduct(store.prisma, productId);
  return changeCart(store, userId, requestId, (tx, cartId, lines) => setLine(tx, cartId, lines, id, quantity));
}

export async function removeFromCart(store: CartStore, userId: string, productId: string, requestId: string): Promise<Cart> {
  // A product that is not in the cart (or no product at all) leaves it as it is.
  const id = isUuid(productId) ? productId.toLowerCase() : null;
  return changeCart(store, userId, requestId, async (tx, cartId, lines) => {
    if (!id || !lines.some((line) => line.productId === id)) return false;
    await tx.cartLine.delete({ where: { cartId_productId: { cartId, productId: id } } });
    return true;
  });
}

export async function clearCart(store: CartStore, userId: string, requestId: string): Promise<Cart> {
  return changeCart(store, userId, requestId, async (tx, cartId, lines) => {
    if (lines.length === 0) return false;
    await tx.cartLine.deleteMany({ where: { cartId } });
    return true;
  });
}

export interface LineQuantity {
  readonly productId: string;
  readonly quantity: number;
}

/** The checked-out quantities leave a locked cart (what the customer added meanwhile stays). */
export async function takeOut(tx: Tx, cartId: string, lines: readonly CartLine[], taken: readonly LineQuantity[]): Promise<boolean> {
  let changed = false;
  for (const { productId, quantity } of taken) {
    const line = lines.find((candidate) => candidate.productId === productId);
    if (!line) continue;
    changed = true;
    const left = line.quantity - quantity;
    if (left > 0) await tx.cartLine.update({ where: { cartId_productId: { cartId, productId } }, data: { quantity: left } });
    else await tx.cartLine.delete({ where: { cartId_productId: { cartId, productId } } });
  }
  return changed;
}

/** Lines of a cancelled order come back into a locked cart, within the cart's limits. */
export async function putBack(tx: Tx, cartId: string, lines: readonly CartLine[], returned: readonly LineQuantity[]): Promise<boolean> {
  let changed = false;
  let count = lines.length;
  for (const { productId, quantity } of returned) {
    const line = lines.find((candidate) => candidate.productId === productId);
    if (line) {
      const merged = Math.min(ORDER_LIMITS.maxQuantity, line.quantity + quantity);
      if (merged === line.quantity) continue;
      await tx.cartLine.update({ where: { cartId_productId: { cartId, productId } }, data: { quantity: merged } });
    } else {
      if (count >= ORDER_LIMITS.maxLines) continue;
      await tx.cartLine.create({ data: { cartId, productId, quantity: Math.min(ORDER_LIMITS.maxQuantity, quantity) } });
      count += 1;
    }
    changed = true;
  }
  return changed;
}
