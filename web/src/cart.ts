// The cart. Signed in, it is the server's (the cart subgraph: one per customer, across devices;
// checkout through it). Signed out, a basket kept in this browser (localStorage) that moves into
// the customer's cart when they sign in. Pages see one shape either way.
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useSyncExternalStore } from 'react';
import { AddToCartDocument, CartDocument, CheckoutDocument, ClearCartDocument, RemoveFromCartDocument, UpdateCartItemDocument } from '../../sdk/generated/graphql.ts';
import { useSession } from './session-context.tsx';

export interface CartLine {
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: { readonly amount: number; readonly currency: string };
  readonly quantity: number;
}

const KEY = 'storefront.basket';
const MAX_QUANTITY = 100;
const listeners = new Set<() => void>();
const NOTHING: readonly CartLine[] = [];

let cached: readonly CartLine[] | null = null;
function readBasket(): readonly CartLine[] {
  if (cached) return cached;
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    cached = Array.isArray(parsed) ? (parsed as CartLine[]) : NOTHING;
  } catch {
    cached = NOTHING;
  }
  return cached;
}
function writeBasket(lines: readonly CartLine[]): void {
  cached = lines.filter((line) => line.quantity > 0);
  localStorage.setItem(KEY, JSON.stringify(cached));
  for (const listener of listeners) listener();
}
const subscribe = (listener: () => void) => {
  listeners.add(listener);
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

// Pages that show the cart read it again meanwhile (another device, a cancelled order giving lines back).
const CART_POLL_MS = 5_000;

export function useCart({ live = false }: { live?: boolean } = {}) {
  const { user } = useSession();
  const client = useApolloClient();
  const basket = useSyncExternalStore(subscribe, readBasket);
  const server = useQuery(CartDocument, { skip: !user, ...(live ? { pollInterval: CART_POLL_MS } : {}) });
  const [addToCart] = useMutation(AddToCartDocument);
  const [updateCartItem] = useMutation(UpdateCartItemDocument);
  const [removeFromCart] = useMutation(RemoveFromCartDocument);
  const [clearCart] = useMutation(ClearCartDocument);
  const [checkout] = useMutation(CheckoutDocument);
  // A read of its own (not joined to one in flight, which may have left before a checkout emptied
  // the cart); the cache, and so every view of the cart, takes what it answers.
  const readCart = () => client.query({ query: CartDocument, fetchPolicy: 'network-only', context: { queryDeduplication: false } });

  // Signed in with a basket from before: it joins the customer's cart, once.
  useEffect(() => {
    // Read now, not from this render: another component's hook may have moved it already.
    const moving = readBasket();
    if (!user || moving.length === 0) return;
    writeBasket([]);
    void (async () => {
      for (const line of moving) await addToCart({ variables: { productId: line.productId, quantity: line.quantity } }).catch(() => undefined);
    })();
  }, [user, basket, addToCart]);

  const cart = user ? server.data?.cart : undefined;
  const lines: readonly CartLine[] = user
    ? (cart?.items.map((item) => ({ productId: item.product.id, name: item.product.name, unitPrice: item.unitPrice, quantity: item.quantity })) ?? NOTHING)
    : basket;
  return {
    lines,
    count: lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: cart?.subtotal ?? { amount: lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0), currency: lines[0]?.unitPrice.currency ?? 'USD' },
    async add(product: Omit<CartLine, 'quantity'>, quantity = 1) {
      if (user) return void (await addToCart({ variables: { productId: product.productId, quantity: clamp(quantity) } }));
      const existing = basket.find((line) => line.productId === product.productId);
      writeBasket(
        existing
          ? basket.map((line) => (line === existing ? { ...line, quantity: clamp(line.quantity + quantity) } : line))
          : [...basket, { ...product, quantity: clamp(quantity) }],
      );
    },
    async setQuantity(productId: string, quantity: number) {
      if (user) return void (await updateCartItem({ variables: { productId, quantity: clamp(quantity) } }));
      writeBasket(basket.map((line) => (line.productId === productId ? { ...line, quantity: clamp(quantity) } : line)));
    },
    async remove(productId: string) {
      if (user) return void (await removeFromCart({ variables: { productId } }));
      writeBasket(basket.filter((line) => line.productId !== productId));
    },
    async clear() {
      if (user) return void (await clearCart());
      writeBasket([]);
    },
    /** Checks the cart out (signed in): the server empties it once the order exists, and refills it if the saga cancels the order. */
    async checkout(paymentToken: string): Promise<string> {
      const { data } = await checkout({
        variables: { input: { paymentToken, ...(cart ? { expectedVersion: cart.version } : {}) }, idempotencyKey: crypto.randomUUID() },
      });
      if (!data) throw new Error('the order was not placed');
      // The order exists, so the server has emptied the cart: show that before the order page.
      await readCart().catch(() => undefined);
      return data.checkout.id;
    },
    /** The cart may have changed on the server (an order placed or cancelled): read it again. */
    refresh() {
      if (user) void readCart().catch(() => undefined);
    },
  };
}
