import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartChanged } from '../../common/contracts/messages/index.ts';
import type { PayloadOf } from '../../common/messaging/catalogue.ts';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { devSubgraphSecret } from '../../common/service/subgraph-config.ts';
import type { Viewer } from '../../common/viewer.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import { createDemoCart } from '../../scripts/demo-orders.ts';
import {
  AddToCartDocument,
  CartDocument,
  CheckoutDocument,
  ClearCartDocument,
  RemoveFromCartDocument,
  UpdateCartItemDocument,
  UserCartDocument,
  type CartFieldsFragment,
} from '../../sdk/generated/graphql.ts';
import { errorCodes, graphql } from '../../test/support/graphql-client.ts';
import { readCounter } from '../../test/support/metrics.ts';
import { logInAsAdmin, logInAsCustomer, type Session } from '../../test/support/sessions.ts';
import { signUpCustomer, waitForOrderStatus } from '../../test/support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../test/support/test-supergraph.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import type { PrismaClient as OrdersPrisma } from '../orders/generated/prisma/client.ts';

// The cart through the gateway, as a storefront uses it, on both infrastructures.

let supergraph: TestSupergraph;
let gateway: string;
let admin: Session;

beforeAll(async () => {
  // Every test signs its customers up: more sign-ins from one address than the default auth budget.
  supergraph = await startTestSupergraph({ env: { AUTH_RATE_LIMIT_POINTS: '1000' } });
  gateway = supergraph.gatewayUrl;
  admin = await logInAsAdmin(gateway);
});
afterAll(() => supergraph?.stop());

const product = (index: number) => demoProducts[index]!;
const ordersPrisma = () => supergraph.subgraphs['orders']!.prisma as OrdersPrisma;

async function cartOf(session: Session): Promise<CartFieldsFragment> {
  const response = await graphql(gateway, CartDocument, {}, { token: session.token });
  if (!response.data?.cart) throw new Error(`cart failed: ${JSON.stringify(response.errors)}`);
  return response.data.cart;
}

async function add(session: Session, index: number, quantity: number): Promise<CartFieldsFragment> {
  const response = await graphql(gateway, AddToCartDocument, { productId: product(index).id, quantity }, { token: session.token });
  if (!response.data) throw new Error(`addToCart failed: ${JSON.stringify(response.errors)}`);
  return response.data.addToCart;
}

const lines = (cart: CartFieldsFragment) =>
  cart.items.map((item) => ({ productId: item.product.id, quantity: item.quantity })).sort((a, b) => a.productId.localeCompare(b.productId));

const checkout = (session: Session, key: string, paymentToken = 'tok_visa', expectedVersion?: number) =>
  graphql(gateway, CheckoutDocument, { input: { paymentToken, ...(expectedVersion === undefined ? {} : { expectedVersion }) }, idempotencyKey: key }, { token: session.token });

describe('editing a cart', () => {
  it('adds, updates, removes and clears, one version per change, priced from the catalog', async () => {
    const customer = await signUpCustomer(gateway, 'Carla Cart');
    const empty = await cartOf(customer);
    expect(empty).toMatchObject({ version: 0, itemCount: 0, items: [], subtotal: { amount: 0, currency: 'USD' } });

    const [a, b] = [product(2), product(3)];
    let cart = await add(customer, 2, 2);
    expect(cart.version).toBe(1);
    await add(customer, 3, 1);
    cart = await add(customer, 2, 1);
    expect(cart.id).toBe(empty.id);
    expect(cart.version).toBe(3);
    expect(cart.items).toEqual([
      {
        quantity: 3,
        available: true,
        unitPrice: { amount: a.priceAmount, currency: 'USD' },
        lineTotal: { amount: 3 * a.priceAmount, currency: 'USD' },
        product: { id: a.id, name: a.name },
      },
      {
        quantity: 1,
        available: true,
        unitPrice: { amount: b.priceAmount, currency: 'USD' },
        lineTotal: { amount: b.priceAmount, currency: 'USD' },
        product: { id: b.id, name: b.name },
      },
    ]);
    expect(cart.itemCount).toBe(4);
    expect(cart.subtotal).toEqual({ amount: 3 * a.priceAmount + b.priceAmount, currency: 'USD' });

    const updated = await graphql(gateway, UpdateCartItemDocument, { productId: a.id, quantity: 5 }, { token: customer.token });
    expect(updated.data?.updateCartItem).toMatchObject({ version: 4, itemCount: 6 });
    const zero = await graphql(gateway, UpdateCartItemDocument, { productId: b.id, quantity: 0 }, { token: customer.token });
    expect(zero.data?.updateCartItem).toMatchObject({ version: 5, itemCount: 5, subtotal: { amount: 5 * a.priceAmount } });
    // Removing what is not there changes nothing, the version included.
    const noop = await graphql(gateway, RemoveFromCartDocument, { productId: b.id }, { token: customer.token });
    expect(noop.data?.removeFromCart.version).toBe(5);
    await add(customer, 3, 2);
    const removed = await graphql(gateway, RemoveFromCartDocument, { productId: b.id }, { token: customer.token });
    expect(removed.data?.removeFromCart).toMatchObject({ version: 7, itemCount: 5 });
    const cleared = await graphql(gateway, ClearCartDocument, {}, { token: customer.token });
    expect(cleared.data?.clearCart).toMatchObject({ version: 8, itemCount: 0, items: [], subtotal: { amount: 0 } });
    expect(await cartOf(customer)).toMatchObject({ version: 8, items: [] });
  });

  it("says per line whether inventory can supply the line's quantity now", async () => {
    const customer = await signUpCustomer(gateway);
    const [few, none] = [product(52), product(53)];
    expect([few.stock, none.stock]).toEqual([5, 0]);
    const enough = await add(customer, 52, few.stock);
    expect(enough.items.map((item) => item.available)).toEqual([true]);
    const tooMany = await graphql(gateway, UpdateCartItemDocument, { productId: few.id, quantity: few.stock + 1 }, { token: customer.token });
    expect(tooMany.data?.updateCartItem.items.map((item) => item.available)).toEqual([false]);
    const soldOut = await add(customer, 53, 1);
    expect(soldOut.items.map((item) => [item.product.id, item.available])).toEqual([
      [few.id, false],
      [none.id, false],
    ]);
  });

  it('refuses bad input and unknown products, writing nothing', async () => {
    const customer = await signUpCustomer(gateway);
    await add(customer, 4, 99);
    const refusals = await Promise.all([
      graphql(gateway, AddToCartDocument, { productId: product(5).id, quantity: 0 }, { token: customer.token }),
      graphql(gateway, AddToCartDocument, { productId: product(5).id, quantity: 101 }, { token: customer.token }),
      graphql(gateway, AddToCartDocument, { productId: product(4).id, quantity: 2 }, { token: customer.token }),
      graphql(gateway, UpdateCartItemDocument, { productId: product(4).id, quantity: -1 }, { token: customer.token }),
      graphql(gateway, UpdateCartItemDocument, { productId: product(4).id, quantity: 101 }, { token: customer.token }),
    ]);
    for (const response of refusals) expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    for (const productId of [randomUUID(), 'not-a-product']) {
      const unknown = await graphql(gateway, AddToCartDocument, { productId, quantity: 1 }, { token: customer.token });
      expect(errorCodes(unknown)).toEqual(['UNKNOWN_PRODUCT']);
      const set = await graphql(gateway, UpdateCartItemDocument, { productId, quantity: 1 }, { token: customer.token });
      expect(errorCodes(set)).toEqual(['UNKNOWN_PRODUCT']);
    }
    expect(await cartOf(customer)).toMatchObject({ version: 1, itemCount: 99 });
  });

  it('holds at most 50 lines', async () => {
    const customer = await signUpCustomer(gateway);
    for (let index = 0; index < 50; index += 1) await add(customer, index, 1);
    const fiftyFirst = await graphql(gateway, AddToCartDocument, { productId: product(50).id, quantity: 1 }, { token: customer.token });
    expect(errorCodes(fiftyFirst)).toEqual(['BAD_USER_INPUT']);
    expect(await cartOf(customer)).toMatchObject({ version: 50, itemCount: 50 });
  });

  it('loses no update from concurrent writers: 20 parallel adds end at quantity 20, version 20', async () => {
    const customer = await signUpCustomer(gateway);
    const results = await Promise.all(Array.from({ length: 20 }, () => add(customer, 6, 1)));
    expect(results.map((cart) => cart.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    const cart = await cartOf(customer);
    expect(cart).toMatchObject({ version: 20, itemCount: 20 });
    expect(lines(cart)).toEqual([{ productId: product(6).id, quantity: 20 }]);
  });

  it('prices lines at the current catalog price and moves the version when a price changes', async () => {
    const customer = await signUpCustomer(gateway);
    const item = product(7);
    const before = await add(customer, 7, 3);
    expect(before.subtotal.amount).toBe(3 * item.priceAmount);
    const newPrice = item.priceAmount + 250;
    const changed = await graphql(
      gateway,
      `mutation ($id: ID!, $price: Int!) { updateProduct(id: $id, input: { priceAmount: $price }) { id } }`,
      { id: item.id, price: newPrice },
      { token: admin.token },
    );
    expect(changed.errors).toBeUndefined();
    // One read resolves the version before the lines: wait until both show the change.
    const after = await waitFor(
      () => cartOf(customer),
      (cart) => cart.subtotal.amount === 3 * newPrice && cart.version === before.version + 1,
      { what: 'the new price and version in the cart', timeoutMs: 30_000 },
    );
    expect(after.items[0]!.unitPrice.amount).toBe(newPrice);
    // A checkout expecting the version priced the old way is refused: nobody pays a total they did not see.
    expect(errorCodes(await checkout(customer, randomUUID(), 'tok_visa', before.version))).toEqual(['CART_CHANGED']);
  });
});

describe('checkout', () => {
  it('refuses an empty cart and a stale version, placing nothing', async () => {
    const customer = await signUpCustomer(gateway);
    const cartService = supergraph.subgraphs['cart']!.url;
    const [emptyBefore, changedBefore] = await Promise.all([
      readCounter(cartService, 'cart_checkouts_total', 'outcome="cart_empty"'),
      readCounter(cartService, 'cart_checkouts_total', 'outcome="cart_changed"'),
    ]);
    expect(errorCodes(await checkout(customer, randomUUID()))).toEqual(['CART_EMPTY']);
    const cart = await add(customer, 8, 1);
    const stale = await checkout(customer, randomUUID(), 'tok_visa', cart.version - 1);
    expect(errorCodes(stale)).toEqual(['CART_CHANGED']);
    expect(stale.errors?.[0]?.extensions?.['version']).toBe(cart.version);
    expect(await ordersPrisma().order.count({ where: { customerId: customer.userId } })).toBe(0);
    expect(lines(await cartOf(customer))).toEqual([{ productId: product(8).id, quantity: 1 }]);
    // Counted by outcome on the cart service's /metrics.
    expect(await readCounter(cartService, 'cart_checkouts_total', 'outcome="cart_empty"')).toBe(emptyBefore + 1);
    expect(await readCounter(cartService, 'cart_checkouts_total', 'outcome="cart_changed"')).toBe(changedBefore + 1);
  });

  it("places a CONFIRMED order with the cart's lines and prices, empties the cart, and answers a retried key with the same order", async () => {
    const customer = await signUpCustomer(gateway);
    await add(customer, 10, 2);
    const cart = await add(customer, 11, 1);
    const key = randomUUID();
    const placed = await checkout(customer, key, 'tok_visa', cart.version);
    expect(placed.errors).toBeUndefined();
    const order = placed.data!.checkout;
    expect(order.total).toEqual(cart.subtotal);
    expect(
      order.items.map((item) => ({ productId: item.product.id, quantity: item.quantity, unitPrice: item.unitPrice.amount })).sort((a, b) => a.productId.localeCompare(b.productId)),
    ).toEqual(
      cart.items.map((item) => ({ productId: item.product.id, quantity: item.quantity, unitPrice: item.unitPrice.amount })).sort((a, b) => a.productId.localeCompare(b.productId)),
    );
    expect(await cartOf(customer)).toMatchObject({ items: [], version: cart.version + 1 });
    await waitForOrderStatus(gateway, customer, order.id, ['CONFIRMED']);

    const again = await checkout(customer, key, 'tok_visa', cart.version);
    expect(again.data?.checkout.id).toBe(order.id);
    expect(errorCodes(await checkout(customer, key, 'tok_mastercard', cart.version))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await ordersPrisma().order.count({ where: { customerId: customer.userId } })).toBe(1);
    expect(await cartOf(customer)).toMatchObject({ items: [], version: cart.version + 1 });
  });

  it('refuses with CART_CHANGED when orders already prices a product differently from what the cart shows, placing nothing', async () => {
    const customer = await signUpCustomer(gateway);
    const item = product(9);
    const cart = await add(customer, 9, 2);
    const key = randomUUID();
    // A price change that reached orders' copy of the catalog before the cart's.
    await ordersPrisma().productSnapshot.update({ where: { productId: item.id }, data: { priceAmount: item.priceAmount + 1 } });
    try {
      const refused = await checkout(customer, key, 'tok_visa', cart.version);
      expect(errorCodes(refused)).toEqual(['CART_CHANGED']);
      expect(refused.errors?.[0]?.extensions?.['productIds']).toEqual([item.id]);
      expect(await ordersPrisma().order.count({ where: { customerId: customer.userId } })).toBe(0);
      expect(await cartOf(customer)).toMatchObject({ version: cart.version, itemCount: 2 });
    } finally {
      await ordersPrisma().productSnapshot.update({ where: { productId: item.id }, data: { priceAmount: item.priceAmount } });
    }
    // Nothing was placed, so the key may be used again once both copies agree.
    const placed = await checkout(customer, key, 'tok_visa', cart.version);
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.checkout.total).toEqual({ amount: 2 * item.priceAmount, currency: 'USD' });
  });

  it('gives the lines back after a declined card, and the order ends CANCELLED', async () => {
    const customer = await signUpCustomer(gateway);
    await add(customer, 12, 1);
    const cart = await add(customer, 13, 4);
    const placed = await checkout(customer, randomUUID(), 'tok_chargeDeclined');
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data!.checkout.id;
    await waitForOrderStatus(gateway, customer, orderId, ['CANCELLED']);
    // Emptied when the order was placed, refilled when it was cancelled.
    const restored = await waitFor(
      () => cartOf(customer),
      (current) => current.items.length === 2 && current.version === cart.version + 2,
      {
        what: 'the lines back in the cart',
      },
    );
    expect(lines(restored)).toEqual(lines(cart));
    const order = await ordersPrisma().order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.cancellationReason).toBe('CARD_DECLINED');
  });

  it('survives the cart service going down between placing the order and emptying the cart: one order, nothing lost', async () => {
    const customer = await signUpCustomer(gateway);
    const cart = await add(customer, 14, 3);
    const key = randomUUID();
    // Orders is away: the command waits in its queue and the checkout answers that it is pending.
    // The cart service runs meanwhile with a short CHECKOUT_WAIT_MS (8 s by default; the other
    // tests' checkouts keep that), so the answer comes sooner; nothing else depends on it.
    await Promise.all([supergraph.stopSubgraph('orders'), supergraph.stopSubgraph('cart')]);
    await supergraph.startSubgraph('cart', { CHECKOUT_WAIT_MS: '1000' });
    const pending = await checkout(customer, key);
    expect(errorCodes(pending)).toEqual(['CHECKOUT_PENDING']);
    // The cart service goes down; orders comes back, places the order and answers into the cart's queue.
    await supergraph.stopSubgraph('cart');
    await supergraph.startSubgraph('orders');
    const [order] = await waitFor(
      () => ordersPrisma().order.findMany({ where: { customerId: customer.userId }, include: { items: true } }),
      (orders) => orders.length === 1,
      { what: 'the order placed while the cart service is down', timeoutMs: 30_000 },
    );
    expect(order!.items.map(({ productId, quantity }) => ({ productId, quantity }))).toEqual(lines(cart));
    await supergraph.startSubgraph('cart');

    const emptied = await waitFor(
      () => cartOf(customer),
      (current) => current.items.length === 0 && current.version === cart.version + 1,
      {
        what: 'the cart emptied (once) after the restart',
      },
    );
    expect(emptied.itemCount).toBe(0);
    const retried = await waitFor(
      () => checkout(customer, key),
      (response) => response.data?.checkout.id !== undefined,
      { what: 'the retried checkout' },
    );
    expect(retried.data!.checkout.id).toBe(order!.id);
    await waitForOrderStatus(gateway, customer, order!.id, ['CONFIRMED']);
    expect(await ordersPrisma().order.count({ where: { customerId: customer.userId } })).toBe(1);
    expect(await cartOf(customer)).toMatchObject({ items: [], version: cart.version + 1 });
  });
});

describe('whose cart', () => {
  const CART_ENTITY = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Cart { id version items { quantity } } } }`;

  async function cartEntity(cartId: string, viewer: Viewer | null) {
    const token = await signGatewayCredential('cart', devSubgraphSecret('cart'), { viewer, requestId: randomUUID() });
    return graphql<{ _entities: ({ id: string } | null)[] }>(
      `${supergraph.subgraphs['cart']!.url}/graphql`,
      CART_ENTITY,
      { representations: [{ __typename: 'Cart', id: cartId }] },
      {
        headers: { [GATEWAY_CREDENTIAL_HEADER]: token },
      },
    );
  }

  it("shows a cart to its owner and admins only, and lets nobody change someone else's", async () => {
    const owner = await signUpCustomer(gateway);
    const stranger = await signUpCustomer(gateway);
    const cart = await add(owner, 15, 2);

    const own = await graphql(gateway, UserCartDocument, { id: owner.userId }, { token: owner.token });
    expect(own.data?.user?.cart?.id).toBe(cart.id);
    const byAdmin = await graphql(gateway, UserCartDocument, { id: owner.userId }, { token: admin.token });
    expect(byAdmin.data?.user?.cart).toMatchObject({ id: cart.id, version: cart.version, itemCount: 2 });

    const byStranger = await graphql(gateway, UserCartDocument, { id: owner.userId }, { token: stranger.token });
    expect(byStranger.data?.user?.cart ?? null).toBeNull();
    expect(errorCodes(byStranger)).toContain('FORBIDDEN');
    // The same request in other shapes: an alias and a fragment.
    const aliased = await graphql(gateway, `query ($id: ID!) { u: user(id: $id) { basket: cart { id } } }`, { id: owner.userId }, { token: stranger.token });
    expect(aliased.data?.['u']).toMatchObject({ basket: null });
    expect(errorCodes(aliased)).toContain('FORBIDDEN');
    const fragment = await graphql(
      gateway,
      `query ($id: ID!) { user(id: $id) { ...C } } fragment C on User { cart { items { quantity } } }`,
      { id: owner.userId },
      { token: stranger.token },
    );
    expect(errorCodes(fragment)).toContain('FORBIDDEN');
    expect(JSON.stringify(fragment.data)).not.toContain('quantity');
    const anonymous = await graphql(gateway, CartDocument, {});
    expect(errorCodes(anonymous)).toContain('UNAUTHENTICATED');

    // Through _entities, as the gateway would fetch it for another customer or for nobody.
    const strangerEntity = await cartEntity(cart.id, { id: stranger.userId, role: 'CUSTOMER' });
    expect(strangerEntity.data?._entities?.[0] ?? null).toBeNull();
    expect(errorCodes(strangerEntity)).toContain('FORBIDDEN');
    expect(errorCodes(await cartEntity(cart.id, null))).toContain('UNAUTHENTICATED');
    expect((await cartEntity(cart.id, { id: owner.userId, role: 'CUSTOMER' })).data?._entities?.[0]).toMatchObject({ id: cart.id });

    // Mutations have no cart to name: the stranger's edits and checkout only ever touch their own cart.
    const strangers = await cartOf(stranger);
    expect(strangers.id).not.toBe(cart.id);
    await graphql(gateway, ClearCartDocument, {}, { token: stranger.token });
    await graphql(gateway, RemoveFromCartDocument, { productId: product(15).id }, { token: stranger.token });
    expect(errorCodes(await checkout(stranger, randomUUID()))).toEqual(['CART_EMPTY']);
    const untouched = await cartOf(owner);
    expect(untouched).toMatchObject({ id: cart.id, version: cart.version, itemCount: 2 });
  });
});

describe('CartChanged', () => {
  it('announces every change of a cart, a price change of one of its products included, with its owner and version', async () => {
    const events: PayloadOf<typeof CartChanged>[] = [];
    const consumer = await supergraph.bus.consume(
      `cart-test.cart-changed.${randomUUID()}`,
      [CartChanged.route],
      async (message) => {
        events.push(CartChanged.schema.parse(message.payload));
      },
      { transient: true },
    );
    try {
      const customer = await signUpCustomer(gateway);
      const first = await add(customer, 16, 1);
      await graphql(gateway, UpdateCartItemDocument, { productId: product(16).id, quantity: 4 }, { token: customer.token });
      await graphql(gateway, RemoveFromCartDocument, { productId: product(17).id }, { token: customer.token }); // not there: no change
      const changed = await graphql(
        gateway,
        `mutation ($id: ID!, $price: Int!) { updateProduct(id: $id, input: { priceAmount: $price }) { id } }`,
        {
          id: product(16).id,
          price: product(16).priceAmount + 100,
        },
        { token: admin.token },
      );
      expect(changed.errors).toBeUndefined();
      await waitFor(
        () => cartOf(customer),
        (cart) => cart.version === 3,
        { what: 'the price change in the cart', timeoutMs: 30_000 },
      );
      await graphql(gateway, ClearCartDocument, {}, { token: customer.token });
      const ofThisCart = () => events.filter((event) => event.cartId === first.id);
      await waitFor(
        async () => ofThisCart().length,
        (count) => count >= 4,
        { what: 'four CartChanged events', timeoutMs: 30_000 },
      );
      expect(
        ofThisCart()
          .map((event) => event.version)
          .sort((a, b) => a - b),
      ).toEqual([1, 2, 3, 4]);
      expect(ofThisCart().every((event) => event.userId === customer.userId)).toBe(true);
    } finally {
      await consumer.cancel();
    }
  });
});

describe('the demo', () => {
  it("fills npm start's demo customer's cart once, and never refills a cart they emptied", async () => {
    const demoCustomer = await logInAsCustomer(gateway);
    await createDemoCart(gateway);
    const filled = await cartOf(demoCustomer);
    expect(filled.items.length).toBeGreaterThan(0);
    await createDemoCart(gateway);
    expect(await cartOf(demoCustomer)).toEqual(filled);
    await graphql(gateway, ClearCartDocument, {}, { token: demoCustomer.token });
    await createDemoCart(gateway);
    expect(await cartOf(demoCustomer)).toMatchObject({ items: [], version: filled.version + 1 });
  });
});
