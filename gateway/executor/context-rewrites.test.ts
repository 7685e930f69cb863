// @context / @fromContext executed by our executor (@apollo/gateway's refuses such a supergraph):
// a field's argument takes the value an ancestor provides, that ancestor's value resolved by another
// subgraph, for one entity, for lists of them (each entity its own ancestor's value), through an
// interface, batched and not. Over mock subgraphs whose contextual fields echo their argument.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@context", "@fromContext", "@external"])`;
const SUBGRAPHS = {
  catalog: `${LINK}
    type Query { t: T! ts: [T!]! items: [Item!]! }
    type T @key(fields: "id") @context(name: "tContext") { id: ID! prop: String! @external u: U! us: [U!]! mid: M! child: T }
    type M { u: U! }
    interface Item @context(name: "itemContext") { id: ID! tag: String! v: V! }
    type Book implements Item @key(fields: "id") { id: ID! tag: String! v: V! }
    type Film implements Item @key(fields: "id") { id: ID! tag: String! v: V! }
    type U @key(fields: "id") { id: ID! field(a: String @fromContext(field: "$tContext { prop }")): String! }
    type V @key(fields: "id") { id: ID! itemField(b: String @fromContext(field: "$itemContext { tag }")): String! }`,
  inventory: `${LINK}
    type Query { unused: Int }
    type T @key(fields: "id") { id: ID! prop: String! }`,
};

const RESOLVERS = {
  'T.prop': (source: Record<string, unknown>) => `prop-of-${String(source['id'])}`,
  'U.field': (_source: Record<string, unknown>, args: Record<string, unknown>) => `field(${String(args['a'])})`,
  'V.itemField': (_source: Record<string, unknown>, args: Record<string, unknown>) => `item(${String(args['b'])})`,
};

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string }[];
}

let mocks: MockSubgraphs;
let batched: GatewayOverMocks;
let unbatched: GatewayOverMocks;

async function post(gateway: GatewayOverMocks, query: string): Promise<{ answer: Answer; catalogRequests: number }> {
  mocks.received.get('catalog')!.length = 0;
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { answer: (await response.json()) as Answer, catalogRequests: mocks.received.get('catalog')!.length };
}

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS, RESOLVERS);
  batched = await startGatewayOverMocks(mocks, SUBGRAPHS);
  unbatched = await startGatewayOverMocks(mocks, SUBGRAPHS, { GATEWAY_BATCH_FETCHES: 'false' });
});
afterAll(async () => {
  await batched?.stop();
  await unbatched?.stop();
  await mocks?.stop();
});

describe('@fromContext', () => {
  it("one entity: the argument is its ancestor's value, which another subgraph resolved", async () => {
    const { answer } = await post(batched, '{ t { id u { id field } } }');
    expect(answer.errors).toBeUndefined();
    const t = answer.data!['t'] as { id: string; u: { field: string } };
    expect(t.u.field).toBe(`field(prop-of-${t.id})`);
    // The context's field was fetched for the gateway only: the client did not select it.
    expect(Object.keys(t)).toEqual(['id', 'u']);
  });

  for (const [name, gateway] of [
    ['batched', () => batched],
    ['not batched', () => unbatched],
  ] as const) {
    it(`lists (${name}): every entity gets its own ancestor's value`, async () => {
      const { answer, catalogRequests } = await post(gateway(), '{ ts { id prop us { id field } u { field } } }');
      expect(answer.errors).toBeUndefined();
      const ts = answer.data!['ts'] as { id: string; prop: string; us: { field: string }[]; u: { field: string } }[];
      expect(ts.length).toBeGreaterThan(1);
      expect(new Set(ts.map((t) => t.id)).size).toBe(ts.length);
      for (const t of ts) {
        expect(t.prop).toBe(`prop-of-${t.id}`);
        expect(t.u.field).toBe(`field(${t.prop})`);
        expect(t.us.length).toBeGreaterThan(0);
        for (const u of t.us) expect(u.field).toBe(`field(${t.prop})`);
      }
      // The root fetch, then two entity fetches (for `us` and for `u`), each sent once per distinct
      // value (one per T); batched, all of those are ready at once and share one request.
      if (name === 'batched') expect(catalogRequests).toBe(2);
      else expect(catalogRequests).toBe(1 + 2 * ts.length);
    });
  }

  it('through an interface: the value comes from whichever implementation holds the entity', async () => {
    const { answer } = await post(batched, '{ items { __typename id tag v { itemField } } }');
    expect(answer.errors).toBeUndefined();
    const items = answer.data!['items'] as { tag: string; v: { itemField: string } }[];
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) expect(item.v.itemField).toBe(`item(${item.tag})`);
  });

  it('from two levels up, and from the nearest ancestor that sets the context', async () => {
    const { answer } = await post(batched, '{ t { id mid { u { field } } child { id u { field } mid { u { field } } } } }');
    expect(answer.errors).toBeUndefined();
    const t = answer.data!['t'] as { id: string; mid: { u: { field: string } }; child: { id: string; u: { field: string }; mid: { u: { field: string } } } };
    expect(t.mid.u.field).toBe(`field(prop-of-${t.id})`);
    expect(t.child.id).not.toBe(t.id);
    expect(t.child.u.field).toBe(`field(prop-of-${t.child.id})`);
    expect(t.child.mid.u.field).toBe(`field(prop-of-${t.child.id})`);
  });

  it('under aliases and fragments', async () => {
    const { answer } = await post(batched, '{ first: ts { ...T } } fragment T on T { key: id others: us { ... on U { value: field } } }');
    expect(answer.errors).toBeUndefined();
    for (const t of answer.data!['first'] as { key: string; others: { value: string }[] }[]) {
      for (const u of t.others) expect(u.value).toBe(`field(prop-of-${t.key})`);
    }
  });
});
