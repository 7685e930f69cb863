// The basket. Until the cart API exists it is kept in the browser (localStorage, so it survives a
// reload and a token renewal) and sent to placeOrder at checkout; switching to the server-side
// cart changes this file only.
import { useApolloClient } from '@apollo/client/react';
import { useSyncExternalStore } from 'react';
import { PlaceOrderDocument } from '../../sdk/generated/graphql.ts';

export interface CartLine {
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: { readonly amount: number; readonly currency: string };
  readonly quantity: number;
}

interface StoredCart {
  readonly lines: readonly CartLine[];
  /** Reused while the cart is unchanged, so a retried checkout returns the same order. */
  readonly idempotencyKey: string;
  /** The order the last checkout placed: the cart empties when it is confirmed. */
  readonly placedOrderId?: string;
}

const KEY = 'storefront.cart';
const MAX_QUANTITY = 100;
const listeners = new Set<() => void>();
const emptyCart = (): StoredCart => ({ lines: [], idempotencyKey: crypto.randomUUID() });

let cached: StoredCart | null = null;
function read(): StoredCart {
  if (cached) return cached;
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? 'null') as StoredCart | null;
    cached = parsed && Array.isArray(parsed.lines) ? parsed : emptyCart();
  } catch {
    cached = emptyCart();
  }
  return cached;
}
function write(lines: readonly CartLine[], placedOrderId?: string): void {
  cached = { lines: lines.filter((line) => line.quantity > 0), idempotencyKey: crypto.randomUUID(), ...(placedOrderId ? { placedOrderId } : {}) };
  localStorage.setItem(KEY, JSON.stringify(cached));
  for (const listener of listeners) listener();
}
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  // Another tab changed it.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== KEY) return;
    cached = null;
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
};
const clamp = (quantity: number) => Math.max(0, Math.min(MAX_QUANTITY, Math.floor(quantity)));

export function useCart() {
  const cart = useSyncExternalStore(subscribe, read);
  const client = useApolloClient();
  const { lines } = cart;
  return {
    lines,
    count: lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: { amount: lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0), currency: lines[0]?.unitPrice.currency ?? 'USD' },
    add(product: Omit<CartLine, 'quantity'>, quantity = 1) {
      const existing = lines.find((line) => line.productId === product.productId);
      write(
        existing
          ? lines.map((line) => (line === existing ? { ...line, quantity: clamp(line.quantity + quantity) } : line))
          : [...lines, { ...product, quantity: clamp(quantity) }],
      );
    },
    setQuantity(productId: string, quantity: number) {
      write(lines.map((line) => (line.productId === productId ? { ...line, quantity: clamp(quantity) } : line)));
    },
    remove(productId: string) {
      write(lines.filter((line) => line.productId !== productId));
    },
    clear() {
      write([]);
    },
    /** Places the order; the cart is kept until the order is confirmed (a declined card can be retried). */
    async checkout(paymentToken: string): Promise<string> {
      const { data } = await client.mutate({
        mutation: PlaceOrderDocument,
        variables: { input: { items: lines.map(({ productId, quantity }) => ({ productId, quantity })), paymentToken }, idempotencyKey: `${cart.idempotencyKey}:${paymentToken}` },
      });
      if (!data) throw new Error('the order was not placed');
      // A new key for the next attempt (after a decline); the same key only for a retry of this one.
      write(lines, data.placeOrder.id);
      return data.placeOrder.id;
    },
    /** The order page saw this order confirmed: if this cart placed it, the cart is done. */
    orderConfirmed(orderId: string) {
      if (cart.placedOrderId === orderId) write([]);
    },
  };
}
