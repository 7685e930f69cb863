import { demoProducts, demoUsers } from '../prisma/seed-data.ts';

/**
 * Demo orders in several states for the demo customer, made through the gateway like any client
 * would (so every service's data agrees): delivered, shipped, confirmed, and cancelled by a
 * declined card. Fixed idempotency keys make a second run place nothing new. Then a cart with a
 * few products in it.
 */
const plan = [
  { key: 'demo-order-delivered', token: 'tok_visa', items: [0, 9], finalStatus: 'DELIVERED' },
  { key: 'demo-order-shipped', token: 'tok_visa', items: [18], finalStatus: 'SHIPPED' },
  { key: 'demo-order-confirmed', token: 'tok_mastercard', items: [27, 36, 45], finalStatus: 'CONFIRMED' },
  { key: 'demo-order-declined', token: 'tok_chargeDeclined', items: [1], finalStatus: 'CANCELLED' },
] as const;

type Call = <T>(query: string, variables?: Record<string, unknown>, token?: string) => Promise<T>;

function client(gatewayUrl: string): Call {
  return async <T>(query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (!body.data || body.errors) throw new Error(body.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`);
    return body.data;
  };
}

async function logIn(call: Call, role: 'ADMIN' | 'CUSTOMER'): Promise<string> {
  const user = demoUsers.find((candidate) => candidate.role === role)!;
  const data = await call<{ logIn: { token: string } }>(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, {
    input: { email: user.email, password: user.password },
  });
  return data.logIn.token;
}

async function statusOf(call: Call, id: string, token: string): Promise<string> {
  return (await call<{ order: { status: string } }>(`query ($id: ID!) { order(id: $id) { status } }`, { id }, token)).order.status;
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('demo orders: timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function createDemoOrders(gatewayUrl: string): Promise<void> {
  const call = client(gatewayUrl);
  const [customer, admin] = [await logIn(call, 'CUSTOMER'), await logIn(call, 'ADMIN')];
  for (const order of plan) {
    const items = order.items.map((index) => ({ productId: demoProducts[index]!.id, quantity: 1 }));
    const { placeOrder } = await call<{ placeOrder: { id: string } }>(
      `mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }`,
      { input: { items, paymentToken: order.token }, key: order.key },
      customer,
    );
    await until(async () => (await statusOf(call, placeOrder.id, customer)) !== 'PENDING');
    if (order.finalStatus !== 'SHIPPED' && order.finalStatus !== 'DELIVERED') continue;
    if ((await statusOf(call, placeOrder.id, customer)) === 'CONFIRMED') {
      // Shipping hears of the confirmation a moment after orders; try until it has.
      let shipmentId: string | undefined;
      await until(async () => {
        shipmentId = await call<{ shipOrder: { id: string } }>(`mutation ($id: ID!) { shipOrder(orderId: $id, carrier: DHL) { id } }`, { id: placeOrder.id }, admin).then(
          (data) => data.shipOrder.id,
          () => undefined,
        );
        return shipmentId !== undefined;
      });
      if (order.finalStatus === 'DELIVERED') {
        await call(`mutation ($id: ID!) { markDelivered(shipmentId: $id) { id } }`, { id: shipmentId }, admin);
      }
    }
  }
  await fillDemoCart(call, customer);
}

/** The demo customer's cart alone (createDemoOrders ends with it). */
export async function createDemoCart(gatewayUrl: string): Promise<void> {
  const call = client(gatewayUrl);
  await fillDemoCart(call, await logIn(call, 'CUSTOMER'));
}

/** Products in the demo customer's cart: index into demoProducts, quantity. */
const demoCart = [
  [2, 2],
  [29, 1],
  [47, 1],
] as const;

/**
 * A cart to look at and check out. Only a cart never touched (version 0) is filled, so a second
 * run adds nothing, and a cart the customer emptied stays empty.
 */
async function fillDemoCart(call: Call, customer: string): Promise<void> {
  const { cart } = await call<{ cart: { version: number } }>(`query { cart { version } }`, {}, customer);
  if (cart.version > 0) return;
  for (const [index, quantity] of demoCart) {
    await call(`mutation ($id: ID!, $quantity: Int!) { addToCart(productId: $id, quantity: $quantity) { version } }`, { id: demoProducts[index]!.id, quantity }, customer);
  }
}
