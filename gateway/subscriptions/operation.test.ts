// The subscription -> query rewrite, on a small schema of the same shape as the supergraph's.
import { describe, expect, it } from 'vitest';
import { graphqlRuntime } from './graphql-runtime.ts';
import { prepareOperation, type PreparedOrderSubscription } from './operation.ts';

const schema = graphqlRuntime.buildSchema(/* GraphQL */ `
  enum OrderStatus { PENDING CONFIRMED CANCELLED SHIPPED DELIVERED }
  type Product { id: ID! name: String! }
  type Item { quantity: Int! product: Product! }
  type Order { id: ID! status: OrderStatus! items: [Item!]! cancellationReason: String }
  type Query { order(id: ID!): Order }
  type Subscription { orderStatusChanged(orderId: ID!): Order! }
`);
const ID = '5B3D0A52-3F4C-4E8B-9D1A-2B7C6E0F9A11';

const subscription = (query: string, variables?: Record<string, unknown>, operationName?: string) => {
  const prepared = prepareOperation(schema, { query, variables, operationName });
  if (Array.isArray(prepared) || prepared.kind !== 'orderStatusChanged') throw new Error(`not prepared: ${JSON.stringify(prepared)}`);
  return prepared as PreparedOrderSubscription;
};
const codes = (query: string, variables?: Record<string, unknown>) => {
  const prepared = prepareOperation(schema, { query, variables });
  return Array.isArray(prepared) ? prepared.map((error) => error.extensions['code']) : [];
};
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('prepareOperation', () => {
  it('rewrites the subscription into the order query, keeping aliases, variables and the fragments it uses', () => {
    const prepared = subscription(
      `subscription Watch($id: ID!, $withItems: Boolean!) {
        changed: orderStatusChanged(orderId: $id) { id s: status ...Lines @include(if: $withItems) ... on Order { status } }
      }
      fragment Lines on Order { items { quantity product { name } } }
      fragment Reason on Order { cancellationReason }
      query Other { order(id: "x") { ...Reason } }`,
      { id: ID, withItems: true },
      'Watch',
    );
    expect(prepared.orderId).toBe(ID.toLowerCase());
    expect(prepared.rootKey).toBe('changed');
    expect(prepared.statusKeys.toSorted()).toEqual(['s', 'status']);
    expect(prepared.hiddenStatusKey).toBe('_gatewayStatus');
    expect(prepared.request.operationName).toBe('Watch');
    expect(prepared.request.variables).toEqual({ id: ID, withItems: true });
    expect(squeeze(prepared.request.query)).toBe(
      squeeze(`query Watch($id: ID!, $withItems: Boolean!) {
        changed: order(id: $id) { id s: status ...Lines @include(if: $withItems) ... on Order { status } _gatewayStatus: status }
      }
      fragment Lines on Order { items { quantity product { name } } }`),
    );
  });

  it('takes an inline id and picks a free key for its own status field', () => {
    const prepared = subscription(`subscription { orderStatusChanged(orderId: "${ID}") { _gatewayStatus: id } }`);
    expect(prepared.rootKey).toBe('orderStatusChanged');
    expect(prepared.hiddenStatusKey).toBe('_gatewayStatus2');
    expect(prepared.statusKeys).toEqual([]);
    expect(squeeze(prepared.request.query)).toBe(squeeze(`{ orderStatusChanged: order(id: "${ID}") { _gatewayStatus: id _gatewayStatus2: status } }`));
  });

  it('refuses what it cannot serve, with the codes Apollo uses over HTTP', () => {
    expect(codes('subscription { orderStatusChanged(orderId: "x") { id ')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes('subscription { orderStatusChanged(orderId: "x") { nope } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes('subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }', {})).toEqual(['BAD_USER_INPUT']);
    expect(codes('subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }', { id: { not: 'an id' } })).toEqual(['BAD_USER_INPUT']);
    expect(codes('subscription { ...Root } fragment Root on Subscription { orderStatusChanged(orderId: "x") { id } }')).toEqual(['BAD_REQUEST']);
    expect(codes('')).toEqual(['BAD_REQUEST']);
  });

  it('tells queries and mutations apart (the WebSocket refuses them)', () => {
    const prepared = prepareOperation(schema, { query: '{ order(id: "x") { id } }' });
    expect(Array.isArray(prepared) ? prepared : prepared.kind).toBe('execution');
  });

  it('prepares the same text once per schema, the variables each time', () => {
    const text = 'subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }';
    const first = subscription(text, { id: 'A' });
    const second = subscription(text, { id: 'B' });
    expect([first.orderId, second.orderId]).toEqual(['a', 'b']);
    expect(second.document).toBe(first.document);
  });
});
