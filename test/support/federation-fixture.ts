// A small supergraph with what ours does not use: interfaces and unions across subgraphs,
// @requires, @provides, @external, and entities with differently named keys. Subgraph names are
// the project's (the gateway's configuration knows only those); the shapes follow The Guild's
// gateway benchmark (users, products, inventory, reviews) plus abstract types.
import { composeServices } from '@apollo/composition';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

export const FIXTURE_SUBGRAPHS: Readonly<Record<string, string>> = {
  accounts: `${LINK}
    type Query { me: User users: [User!]! user(id: ID!): User }
    type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
  catalog: `${LINK}
    type Query { topProducts(first: Int = 5): [Product!]! search(text: String!): [SearchResult!]! media: [Media!]! }
    union SearchResult = Product | Book
    interface Media { id: ID! title: String! }
    type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int }
    type Movie implements Media { id: ID! title: String! minutes: Int! }
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`,
  orders: `${LINK}
    type Review @key(fields: "id") { id: ID! body: String! rating: Int! author: User! @provides(fields: "username") product: Product }
    type User @key(fields: "id") { id: ID! username: String @external reviews: [Review!]! }
    type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }
    type Book @key(fields: "id") { id: ID! reviews: [Review!]! }`,
};

/** Hand-written operations over the fixture, beside the generated ones. */
export const FIXTURE_OPERATIONS = [
  {
    name: 'benchmark-like',
    query: `fragment User on User { id username name }
      fragment Review on Review { id body }
      fragment Product on Product { inStock name price shippingEstimate upc weight }
      query TestQuery { users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
        topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } }`,
  },
  {
    name: 'union and interface',
    query: `query Abstract($text: String!, $withReviews: Boolean!) {
      search(text: $text) { __typename ... on Product { upc name shippingEstimate reviews @include(if: $withReviews) { rating author { username } } } ... on Book { id title reviews { body } } }
      media { id title ... on Book { pages reviews @skip(if: $withReviews) { id } } ... on Movie { minutes } } }`,
    variables: { text: 'x', withReviews: true },
  },
  {
    name: 'provides and requires under aliases',
    query: `{ first: topProducts(first: 1) { cost: price estimate: shippingEstimate } all: topProducts { reviews { author { username name } writer: author { id } } } }`,
  },
];

export function composeFixture(urls: Readonly<Record<string, string>>): string {
  const result = composeServices(Object.entries(FIXTURE_SUBGRAPHS).map(([name, sdl]) => ({ name, url: urls[name] ?? 'http://unused', typeDefs: graphqlRuntime.parse(sdl) })));
  if (result.errors || !result.supergraphSdl) throw new Error(`the fixture does not compose: ${String(result.errors)}`);
  return result.supergraphSdl;
}
