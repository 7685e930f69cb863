// A Node port of the four subgraphs of The Guild's federation gateway benchmark
// (graphql-hive/graphql-gateways-benchmark: accounts, inventory, products, reviews): the same
// schema shapes, the same data, the same query. Written here from its description, on
// @apollo/subgraph and a bare node:http server (documents parsed once), so that the subgraphs
// cost as little as possible next to the gateway under test.
//
// Our gateway's configuration names its subgraphs after the shop's services, so the four are
// served as accounts, catalog (the benchmark's products), inventory and orders (its reviews).
//
// Run alone (`tsx bench/federation-benchmark/subgraphs.ts`), it prints {"name": url} on one line.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';

const { execute, parse } = graphqlRuntime;

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  product: { upc: string };
}

const users: User[] = [
  ['1', 'Uri Goldshtein', 'urigo'],
  ['2', 'Dotan Simha', 'dotansimha'],
  ['3', 'Kamil Kisiela', 'kamilkisiela'],
  ['4', 'Arda Tanrikulu', 'ardatan'],
  ['5', 'Gil Gardosh', 'gilgardosh'],
  ['6', 'Laurin Quast', 'laurin'],
].map(([id, name, username]) => ({ id: id!, name: name!, username: username!, birthday: 1234567890 }));

const products: Product[] = (
  [
    ['1', 'Table', 899, 100],
    ['2', 'Couch', 1299, 1000],
    ['3', 'Glass', 15, 20],
    ['4', 'Chair', 499, 100],
    ['5', 'TV', 1299, 1000],
    ['6', 'Lamp', 6999, 300],
    ['7', 'Grill', 3999, 2000],
    ['8', 'Fridge', 100000, 6000],
    ['9', 'Sofa', 9999, 800],
  ] as const
).map(([upc, name, price, weight]) => ({ upc, name, price, weight }));

const inStock = new Map(['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((upc, index) => [upc, [true, false, false, false, true, true, true, false, true][index]!]));

// The benchmark's review texts: Lorem-ipsum passages of these lengths, on these products.
const LOREM = [
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.',
  'Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi',
  'sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut labore et dolore magnam aliquam quaerat voluptatem.',
  'Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem',
  'At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores repellat.',
];
const reviews: Review[] = (
  [
    [0, '1'],
    [1, '1'],
    [2, '1'],
    [3, '1'],
    [0, '2'],
    [1, '2'],
    [2, '2'],
    [3, '2'],
    [3, '3'],
    [3, '4'],
    [4, '4'],
  ] as const
).map(([text, upc], index) => ({ id: String(index + 1), body: LOREM[text]!, product: { upc } }));

const byId = <T, K extends keyof T>(items: readonly T[], key: K, value: unknown): T | undefined => items.find((item) => item[key] === value);

export const BENCHMARK_SUBGRAPHS: Readonly<Record<string, { sdl: string; resolvers: Record<string, unknown> }>> = {
  accounts: {
    sdl: `${LINK}
      type Query { me: User user(id: ID!): User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
    resolvers: {
      Query: { me: () => users[0], user: (_: unknown, { id }: { id: string }) => byId(users, 'id', id), users: () => users },
      User: { __resolveReference: (reference: { id: string }) => byId(users, 'id', reference.id) },
    },
  },
  catalog: {
    sdl: `${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => products.slice(0, first) },
      Product: { __resolveReference: (reference: { upc: string }) => byId(products, 'upc', reference.upc) },
    },
  },
  inventory: {
    sdl: `${LINK}
      type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`,
    resolvers: {
      Product: {
        __resolveReference: (reference: { upc: string; price?: number; weight?: number }) => ({ ...reference, inStock: inStock.get(reference.upc) }),
        shippingEstimate: (product: { price?: number; weight?: number }) => {
          if (product.price === undefined || product.price === null) return null;
          if (product.price > 1000) return 0;
          return product.weight === undefined || product.weight === null ? null : Math.trunc(product.weight / 2);
        },
      },
    },
  },
  orders: {
    sdl: `${LINK}
      type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        __resolveReference: (reference: { id: string }) => byId(reviews, 'id', reference.id),
        author: () => ({ id: '1', username: 'urigo', reviews: reviews.slice(0, 2) }),
      },
      User: { __resolveReference: (reference: { id: string }) => ({ id: reference.id, username: 'user', reviews: reviews.slice(0, 2) }) },
      Product: {
        __resolveReference: (reference: { upc: string }) => ({ upc: reference.upc }),
        reviews: (product: { upc: string }) => reviews.filter((review) => review.product.upc === product.upc),
      },
    },
  },
};

export const BENCHMARK_QUERY = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

export function composeBenchmarkSupergraph(urls: Readonly<Record<string, string>>): string {
  const result = composeServices(Object.entries(BENCHMARK_SUBGRAPHS).map(([name, { sdl }]) => ({ name, url: urls[name]!, typeDefs: parse(sdl) })));
  if (result.errors || !result.supergraphSdl) throw new Error(`the benchmark supergraph does not compose: ${String(result.errors)}`);
  return result.supergraphSdl;
}

function serve(schema: GraphQLSchema): Promise<{ server: Server; url: string }> {
  const documents = new Map<string, DocumentNode>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      let document = documents.get(query);
      if (!document) {
        document = parse(query);
        documents.set(query, document);
      }
      void Promise.resolve(execute({ schema, document, variableValues: variables ?? null, operationName: operationName ?? null })).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` })));
}

export async function startBenchmarkSubgraphs(): Promise<{ urls: Record<string, string>; stop(): Promise<void> }> {
  const started = await Promise.all(
    Object.entries(BENCHMARK_SUBGRAPHS).map(async ([name, { sdl, resolvers }]) => {
      const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never });
      return { name, ...(await serve(schema)) };
    }),
  );
  return {
    urls: Object.fromEntries(started.map(({ name, url }) => [name, url])),
    stop: () => Promise.all(started.map(({ server }) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))))).then(() => undefined),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { urls } = await startBenchmarkSubgraphs();
  process.stdout.write(`${JSON.stringify(urls)}\n`);
}
