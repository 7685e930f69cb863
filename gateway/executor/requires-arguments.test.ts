// A @requires with arguments (`author @requires(fields: "comments(limit: 3) { authorId }")`) beside
// the client's own selection of that field with other arguments (`comments(limit: 1)`): the
// federation audit's requires-with-argument suite, over mock subgraphs (a list's length follows
// its `limit`, up to 3). @apollo/query-planner alone merges the two and answers 3 comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOverMocks, startOracleOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])`;
const SUBGRAPHS = {
  catalog: `${LINK}
    type Query { feed: [Post] }
    type Post @key(fields: "id") { id: ID! }
    type Comment @key(fields: "id") { id: ID! authorId: ID body: String! }`,
  orders: `${LINK}
    type Post @key(fields: "id") { id: ID! author: Author @requires(fields: "comments(limit: 3) { authorId }") comments(limit: Int!): [Comment] }
    type Comment @key(fields: "id") { id: ID! date: String authorId: ID @external }
    type Author { id: ID! name: String }`,
};

let mocks: MockSubgraphs;
const gateways: GatewayOverMocks[] = [];
const urls: Record<'native' | 'apollo', string> = { native: '', apollo: '' };

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
  for (const executor of ['native', 'apollo'] as const) {
    const gateway = await (executor === 'native' ? startGatewayOverMocks : startOracleOverMocks)(mocks, SUBGRAPHS);
    gateways.push(gateway);
    urls[executor] = gateway.url;
  }
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await mocks?.stop();
});

interface Feed {
  data?: { feed: { author: { id: string } | null; comments: { id: string }[] | null }[] };
  errors?: { message: string; path?: (string | number)[] }[];
}

async function post(query: string, variables?: Record<string, unknown>, url = urls.native): Promise<Feed> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as Feed;
}

const FRAGMENTS = `query ($limit: Int = 1) { feed { author { id } ...Foo ...Bar } }
  fragment Foo on Post { comments(limit: $limit) { id } }
  fragment Bar on Post { comments(limit: $limit) { id } }`;

describe('@requires with arguments beside the same field with other arguments', () => {
  it.each([
    ['literal arguments', '{ feed { author { id } comments(limit: 1) { id } } }', undefined],
    ['a variable with a default', 'query ($limit: Int = 1) { feed { author { id } comments(limit: $limit) { id } } }', undefined],
    ['a variable given', 'query ($limit: Int!) { feed { comments(limit: $limit) { id } author { id } } }', { limit: 2 }],
    ['the field in two fragments', FRAGMENTS, undefined],
  ])('the client gets its own arguments, and the required field still reaches @requires (%s)', async (_label, query, variables) => {
    const { data, errors } = await post(query, variables);
    expect(errors).toBeUndefined();
    const limit = typeof variables?.['limit'] === 'number' ? variables['limit'] : 1;
    expect(data!.feed.length).toBeGreaterThan(0);
    for (const post of data!.feed) {
      expect(post.comments).toHaveLength(limit);
      expect(post.author?.id).toEqual(expect.any(String));
      // The client's response names only, in the client's order.
      expect(Object.keys(post)).toEqual(query.indexOf('author') < query.indexOf('comments') ? ['author', 'comments'] : ['comments', 'author']);
    }
    // @apollo/gateway's executor keeps the planner's merge: 3 comments where 1 (or 2) was asked.
    const apollo = await post(query, variables, urls.apollo);
    expect(apollo.data!.feed[0]!.comments).toHaveLength(3);
  });

  it("an error inside the client's selection carries the client's path", async () => {
    mocks.faults.field = { coordinate: 'Comment.id', kind: 'error' };
    try {
      const { errors } = await post('{ feed { author { id } comments(limit: 1) { id } } }');
      expect(errors?.length).toBeGreaterThan(0);
      for (const error of errors!) expect(error.path?.slice(0, 3)).toEqual(['feed', expect.any(Number), 'comments']);
    } finally {
      mocks.faults.field = undefined;
    }
  });

  it('a selection with the required arguments is fetched once, unaliased', async () => {
    mocks.received.get('orders')!.length = 0;
    const { data } = await post('{ feed { author { id } comments(limit: 3) { id } } }');
    expect(data!.feed[0]!.comments).toHaveLength(3);
    expect(mocks.received.get('orders')!.join('\n')).not.toContain('_requiresArgs_');
  });
});
