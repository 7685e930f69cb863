import { randomUUID } from 'node:crypto';
import { graphql } from './graphql-client.ts';
import { logIn, type Session } from './sessions.ts';
import { waitFor } from './wait-for.ts';

/** What a storefront does, as tests need it over and over. */
export async function signUpCustomer(gatewayUrl: string, name = 'Test Customer'): Promise<Session> {
  const email = `customer-${randomUUID()}@shop.test`;
  const password = 'a customer password';
  const response = await graphql(gatewayUrl, `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`, { input: { email, password, name } });
  if (response.errors) throw new Error(`sign-up failed: ${JSON.stringify(response.errors)}`);
  return logIn(gatewayUrl, email, password);
}

export async function placeOrder(gatewayUrl: string, session: Session, items: { productId: string; quantity: number }[], paymentToken = 'tok_visa'): Promise<string> {
  const response = await graphql<{ placeOrder: { id: string } }>(
    gatewayUrl,
    `mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }`,
    { input: { items, paymentToken }, key: randomUUID() },
    { token: session.token },
  );
  if (!response.data) throw new Error(`placeOrder failed: ${JSON.stringify(response.errors)}`);
  return response.data.placeOrder.id;
}

export async function orderStatus(gatewayUrl: string, session: Session, orderId: string): Promise<string | undefined> {
  const response = await graphql<{ order: { status: string } }>(gatewayUrl, `query ($id: ID!) { order(id: $id) { status } }`, { id: orderId }, { token: session.token });
  return response.data?.order.status;
}

export const waitForOrderStatus = (gatewayUrl: string, session: Session, orderId: string, statuses: readonly string[]) =>
  waitFor(
    () => orderStatus(gatewayUrl, session, orderId),
    (status) => statuses.includes(status ?? ''),
    {
      what: `order ${orderId} to be ${statuses.join(' or ')}`,
    },
  );
