// The subscription -> query rewrite, on a small schema of the same shape as the supergraph's, with
// its `@event` fields read as the gateway reads them.
import { describe, expect, it } from 'vitest';
import { readEventFields } from './event-fields.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { prepareOperation, type PreparedSubscription, type ServingSchema } from './operation.ts';
import { withStreamDirective } from '../executor/stream.ts';

const sdl = /* GraphQL */ `
  directive @link(url: String!, import: [String!]) repeatable on SCHEMA
  directive @event(topic: String!, entityKey: String!, query: String!, queryArg: String!, matchArgument: String, matchSubscriber: String,
    state: String, stateOrder: [String!], completeOn: [String!], eventFields: [String!]) on FIELD_DEFINITION
  schema @link(url: "https://commerce-supergraph.dev/event/v0.1", import: ["@event"]) { query: Query subscription: Subscription }
  enum OrderStatus { PENDING CONFIRMED CANCELLED SHIPPED DELIVERED }
  type Product { id: ID! name: String! }
  type Item { quantity: Int! product: Product! }
  type Order { id: ID! status: OrderStatus! items: [Item!]! cancellationReason: String }
  type Note { id: ID! text: String! }
  type Query { order(id: ID!): Order note(noteId: ID!): Note }
  type Subscription {
    orderStatusChanged(orderId: ID!): Order!
      @event(topic: "t.order", entityKey: "orderId", query: "order", queryArg: "id", matchArgument: "orderId", state: "status",
        stateOrder: ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED|CANCELLED"], completeOn: ["DELIVERED", "CANCELLED"])
    noteAdded: Note! @event(topic: "t.note", entityKey: "noteId", query: "note", queryArg: "noteId", matchSubscriber: "userId")
    undeclared: Note
  }
`;
const schema: ServingSchema = { api: graphqlRuntime.buildSchema(sdl), eventFields: readEventFields(sdl) };
const ID = '5B3D0A52-3F4C-4E8B-9D1A-2B7C6E0F9A11';

const subscription = (query: string, variables?: Record<string, unknown>, operationName?: string) => {
  const prepared = prepareOperation(schema, { query, variables, operationName });
  if (Array.isArray(prepared) || prepared.kind !== 'subscription') throw new Error(`not prepared: ${JSON.stringify(prepared)}`);
  return prepared as PreparedSubscription;
};
const codes = (query: string, variables?: Record<string, unknown>) => {
  const prepared = prepareOperation(schema, { query, variables });
  return Array.isArray(prepared) ? prepared.map((error) => error.extensions['code']) : [];
};
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('prepareOperation', () => {
  it('reads the declarations: matching, states and their order', () => {
    const order = schema.eventFields.get('orderStatusChanged');
    expect(order).toMatchObject({ topic: 't.order', entityKey: 'orderId', query: 'order', queryArg: 'id', match: { kind: 'argument', argument: 'orderId' }, state: 'status' });
    expect(Object.fromEntries(order!.stateRank)).toEqual({ PENDING: 0, CONFIRMED: 1, SHIPPED: 2, DELIVERED: 3, CANCELLED: 3 });
    expect([...order!.completeOn]).toEqual(['DELIVERED', 'CANCELLED']);
    expect(schema.eventFields.get('noteAdded')?.match).toEqual({ kind: 'subscriber', payloadField: 'userId' });
    expect(schema.eventFields.has('undeclared')).toBe(false);
  });

  it('rewrites the subscription into the declared query, keeping aliases, variables and the fragments it uses', () => {
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
    expect(prepared.argumentValue).toBe(ID);
    expect(prepared.rootKey).toBe('changed');
    expect(prepared.stateKeys.toSorted()).toEqual(['s', 'status']);
    expect(prepared.hiddenStateKey).toBe('_gatewayState');
    expect(prepared.keyVariable).toBe('_gatewayKey');
    expect(prepared.request.operationName).toBe('Watch');
    expect(prepared.request.variables).toEqual({ id: ID, withItems: true });
    expect(squeeze(prepared.request.query)).toBe(
      squeeze(`query Watch($_gatewayKey: ID!, $withItems: Boolean!) {
        changed: order(id: $_gatewayKey) { id s: status ...Lines @include(if: $withItems) ... on Order { status } _gatewayState: status }
      }
      fragment Lines on Order { items { quantity product { name } } }`),
    );
  });

  it('takes an inline id and picks free names for its own state field and key variable', () => {
    const prepared = subscription(`subscription ($_gatewayKey: Boolean!) { orderStatusChanged(orderId: "${ID}") { _gatewayState: id @skip(if: $_gatewayKey) } }`, {
      _gatewayKey: false,
    });
    expect(prepared.rootKey).toBe('orderStatusChanged');
    expect(prepared.hiddenStateKey).toBe('_gatewayState2');
    expect(prepared.stateKeys).toEqual([]);
    expect(squeeze(prepared.request.query)).toBe(
      squeeze(
        `query ($_gatewayKey2: ID!, $_gatewayKey: Boolean!) { orderStatusChanged: order(id: $_gatewayKey2) { _gatewayState: id @skip(if: $_gatewayKey) _gatewayState2: status } }`,
      ),
    );
  });

  it("serves the subscriber's own events with the entity's id from each event, without a state", () => {
    const prepared = subscription(`subscription { mine: noteAdded { text } }`);
    expect(prepared.argumentValue).toBeUndefined();
    expect(prepared.hiddenStateKey).toBeUndefined();
    expect(squeeze(prepared.request.query)).toBe(squeeze(`query ($_gatewayKey: ID!) { mine: note(noteId: $_gatewayKey) { text } }`));
  });

  it('refuses what it cannot serve, with the codes Apollo uses over HTTP', () => {
    expect(codes('subscription { orderStatusChanged(orderId: "x") { id ')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes('subscription { orderStatusChanged(orderId: "x") { nope } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes('subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }', {})).toEqual(['BAD_USER_INPUT']);
    expect(codes('subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }', { id: { not: 'an id' } })).toEqual(['BAD_USER_INPUT']);
    expect(codes('subscription { ...Root } fragment Root on Subscription { orderStatusChanged(orderId: "x") { id } }')).toEqual(['BAD_REQUEST']);
    expect(codes('')).toEqual(['BAD_REQUEST']);
    expect(codes('subscription { undeclared { id } }')).toEqual(['BAD_REQUEST']);
  });

  it('tells queries and mutations apart (the WebSocket refuses them)', () => {
    const prepared = prepareOperation(schema, { query: '{ order(id: "x") { id } }' });
    expect(Array.isArray(prepared) ? prepared : prepared.kind).toBe('execution');
  });

  it('prepares the same text once per schema, the variables each time', () => {
    const text = 'subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }';
    const first = subscription(text, { id: 'A' });
    const second = subscription(text, { id: 'B' });
    expect([first.argumentValue, second.argumentValue]).toEqual(['A', 'B']);
    expect(second.document).toBe(first.document);
  });
});

describe('prepareOperation and @stream', () => {
  it('refuses @stream in a subscription (unless if: false) with INCREMENTAL_DELIVERY_NOT_ALLOWED', () => {
    const streamSchema: ServingSchema = { api: withStreamDirective(schema.api), eventFields: schema.eventFields };
    const streamCodes = (query: string) => {
      const prepared = prepareOperation(streamSchema, { query });
      return Array.isArray(prepared) ? prepared.map((error) => error.extensions['code']) : [];
    };
    expect(streamCodes('subscription { orderStatusChanged(orderId: "x") { id items @stream { quantity } } }')).toEqual(['INCREMENTAL_DELIVERY_NOT_ALLOWED']);
    expect(streamCodes('subscription { orderStatusChanged(orderId: "x") { id items @stream(if: false) { quantity } } }')).toEqual([]);
  });
});
