// Reading `@event` declarations from a supergraph: what the gateway accepts, and the declarations it
// refuses by name (a subgraph's mistake must not become a subscription that silently never fires).
import { describe, expect, it } from 'vitest';
import { eventFieldProblems, readEventFields, topicsOf } from './event-fields.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';

const supergraph = (link: string, field: string) => /* GraphQL */ `
  schema ${link} { query: Query subscription: Subscription }
  type Thing { id: ID! }
  type Query { thing(id: ID!): Thing }
  type Subscription { ${field} }
`;
const LINK = '@link(url: "https://commerce-supergraph.dev/event/v0.1", import: ["@event"])';

describe('readEventFields', () => {
  it('reads a declaration under the name the @link import gives it', () => {
    const renamed = supergraph(
      '@link(url: "https://commerce-supergraph.dev/event/v0.1", import: [{ name: "@event", as: "@drivenBy" }])',
      'thingChanged(thingId: ID!): Thing! @drivenBy(topic: "things.changed", entityKey: "thingId", query: "thing", queryArg: "id", matchArgument: "thingId")',
    );
    const fields = readEventFields(renamed);
    expect(fields.get('thingChanged')).toMatchObject({ topic: 'things.changed', match: { kind: 'argument', argument: 'thingId' }, state: undefined });
    expect(topicsOf(fields)).toEqual(['things.changed']);
  });

  it('ignores a supergraph that does not link the spec', () => {
    expect(readEventFields(supergraph('', 'thingChanged: Thing! @event(topic: "t", entityKey: "id", query: "thing", queryArg: "id", matchSubscriber: "userId")')).size).toBe(0);
  });

  it('refuses declarations that cannot work, naming the field', () => {
    const both = 'thingChanged(thingId: ID!): Thing! @event(topic: "t", entityKey: "thingId", query: "thing", queryArg: "id", matchArgument: "thingId", matchSubscriber: "userId")';
    expect(() => readEventFields(supergraph(LINK, both))).toThrow('Subscription.thingChanged @event: give exactly one of matchArgument and matchSubscriber');
    const noSuchArgument = 'thingChanged: Thing! @event(topic: "t", entityKey: "thingId", query: "thing", queryArg: "id", matchArgument: "thingId")';
    expect(() => readEventFields(supergraph(LINK, noSuchArgument))).toThrow('matchArgument "thingId" is not an argument of the field');
    const stateless = 'thingChanged: Thing! @event(topic: "t", entityKey: "thingId", query: "thing", queryArg: "id", matchSubscriber: "userId", completeOn: ["DONE"])';
    expect(() => readEventFields(supergraph(LINK, stateless))).toThrow('stateOrder and completeOn need "state"');
  });

  it('reports a query field or argument the API schema does not have', () => {
    const sdl = supergraph(LINK, 'thingChanged: Thing! @event(topic: "t", entityKey: "thingId", query: "thing", queryArg: "thingId", matchSubscriber: "userId")');
    const api = graphqlRuntime.buildSchema(`type Thing { id: ID! } type Query { thing(id: ID!): Thing } type Subscription { thingChanged: Thing! }`);
    expect(eventFieldProblems(readEventFields(sdl), api)).toEqual(['Subscription.thingChanged: Query.thing has no argument "thingId"']);
  });
});
