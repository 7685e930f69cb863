// Subgraphs that answer any schema with made-up, deterministic data: every field's value derives
// from its response path and arguments, so the same subgraph query always gets the same answer.
// A test can inject faults: an error or a null at a field coordinate (in every subgraph that
// resolves it), or a subgraph that answers HTTP 503. For comparing executors, not for behaviour.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLFieldResolver, GraphQLOutputType } from 'graphql';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';

const { GraphQLError, getNamedType, isAbstractType, isEnumType, isListType, isNonNullType, isObjectType, isScalarType, parse } = graphqlRuntime;

export interface FieldFault {
  /** `Type.field` */
  readonly coordinate: string;
  readonly kind: 'error' | 'null';
}

export interface Faults {
  field?: FieldFault | undefined;
  /** A subgraph answering HTTP 503 to everything. */
  unavailable?: string | undefined;
  /** Every subgraph answers this much later (so that requests overlap). */
  delayMs?: number | undefined;
  /** One subgraph answers only once `until` settles (a slow subgraph, without timings). */
  hold?: { readonly subgraph: string; readonly until: Promise<unknown> } | undefined;
}

export interface MockSubgraph {
  readonly name: string;
  readonly url: string;
}

export interface MockSubgraphs {
  readonly subgraphs: readonly MockSubgraph[];
  readonly faults: Faults;
  /** Every subgraph request body received so far, by subgraph name (for tests that count fetches). */
  readonly received: Map<string, string[]>;
  /** The HTTP headers of each of those requests, in the same order. */
  readonly receivedHeaders: Map<string, IncomingHttpHeaders[]>;
  stop(): Promise<void>;
}

function hash(text: string): number {
  let value = 2166136261;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

type Source = Record<string, unknown>;

function mockValue(type: GraphQLOutputType, seed: number, label: string, listLength: number): unknown {
  if (isNonNullType(type)) return mockValue(type.ofType, seed, label, listLength);
  if (isListType(type)) return Array.from({ length: listLength }, (_, index) => mockValue(type.ofType, hash(`${seed}/${index}`), label, 2));
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return seed % 1000;
      case 'Float':
        return (seed % 10000) / 100;
      case 'Boolean':
        return seed % 2 === 0;
      case 'ID':
        return `id-${seed % 100000}`;
      case 'DateTime':
        return new Date(Date.UTC(2026, 0, 1) + (seed % 1_000_000) * 1000).toISOString();
      default:
        return `${label}#${seed % 1000}`;
    }
  }
  if (isEnumType(type)) {
    const values = type.getValues();
    return values[seed % values.length]?.value;
  }
  return { __mockSeed: seed };
}

function typenameFor(type: GraphQLOutputType, seed: number, schema: ReturnType<typeof buildSubgraphSchema>): string {
  const named = getNamedType(type);
  if (isAbstractType(named)) {
    const possible = schema.getPossibleTypes(named);
    return possible[seed % possible.length]?.name ?? named.name;
  }
  return named.name;
}

/** Resolvers by `Type.field` (in every subgraph that resolves it) instead of made-up values: a test of what a field computes from its source. */
export type MockResolvers = Readonly<Record<string, (source: Source, args: Record<string, unknown>) => unknown>>;

async function startMockSubgraph(
  name: string,
  sdl: string,
  faults: Faults,
  received: Map<string, string[]>,
  receivedHeaders: Map<string, IncomingHttpHeaders[]>,
  resolvers: MockResolvers,
): Promise<{ server: Server; apollo: ApolloServer; url: string }> {
  const typeDefs = parse(sdl);
  const schema = buildSubgraphSchema({ typeDefs });
  // An entity's values derive from its key alone, so every plan that reaches it sees the same entity.
  const keyFields = new Map<string, string[]>();
  for (const definition of typeDefs.definitions) {
    if (!('directives' in definition) || !('name' in definition) || !definition.name) continue;
    const key = definition.directives?.find((directive) => directive.name.value === 'key')?.arguments?.find((argument) => argument.name.value === 'fields')?.value;
    if (key?.kind === 'StringValue') keyFields.set(definition.name.value, key.value.split(/\s+/).filter(Boolean));
  }
  const seedOf = (source: Source): number => {
    const keys = keyFields.get(String(source['__typename']));
    const picked = keys
      ? [source['__typename'], ...keys.map((key) => source[key])]
      : Object.keys(source)
          .sort()
          .map((key) => [key, source[key]]);
    return hash(JSON.stringify(picked));
  };
  const fieldResolver: GraphQLFieldResolver<Source | undefined, unknown> = (maybeSource, args, _context, info) => {
    const source = maybeSource ?? {};
    const coordinate = `${info.parentType.name}.${info.fieldName}`;
    if (faults.field?.coordinate === coordinate) {
      if (faults.field.kind === 'null') return null;
      throw new GraphQLError(`injected failure at ${coordinate}`, { extensions: { code: 'INJECTED_FAILURE', subgraph: name } });
    }
    const resolver = resolvers[coordinate];
    if (resolver) return resolver(source, args);
    if (Object.prototype.hasOwnProperty.call(source, info.fieldName)) return source[info.fieldName];
    const parentSeed = typeof source['__mockSeed'] === 'number' ? source['__mockSeed'] : seedOf(source);
    const seed = hash(`${parentSeed}.${info.fieldName}(${JSON.stringify(args)})`);
    const first = args['first'] ?? args['limit'];
    const value = mockValue(info.returnType, seed, coordinate, typeof first === 'number' ? Math.min(first, 3) : 2);
    const withTypename = (item: unknown, index: number): unknown =>
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? { ...item, __typename: typenameFor(info.returnType, hash(`${seed}:${index}`), schema) }
        : Array.isArray(item)
          ? item.map(withTypename)
          : item;
    return isObjectType(getNamedType(info.returnType)) || isAbstractType(getNamedType(info.returnType)) ? withTypename(value, 0) : value;
  };
  const apollo = new ApolloServer({ schema, fieldResolver, includeStacktraceInErrorResponses: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await apollo.start();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        received.get(name)?.push(text);
        receivedHeaders.get(name)?.push(req.headers);
        if (faults.unavailable === name) {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
          return;
        }
        if (faults.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
        if (faults.hold?.subgraph === name) await faults.hold.until;
        const body = JSON.parse(text) as { query: string; variables?: Record<string, unknown>; operationName?: string };
        const response = await apollo.executeOperation({
          query: body.query,
          ...(body.variables ? { variables: body.variables } : {}),
          ...(body.operationName ? { operationName: body.operationName } : {}),
        });
        const result = response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'incremental' }] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      })().catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, apollo, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

/** One mock per subgraph, on ephemeral loopback ports. */
export async function startMockSubgraphs(schemas: Readonly<Record<string, string>>, resolvers: MockResolvers = {}): Promise<MockSubgraphs> {
  const faults: Faults = {};
  const received = new Map(Object.keys(schemas).map((name) => [name, [] as string[]]));
  const receivedHeaders = new Map(Object.keys(schemas).map((name) => [name, [] as IncomingHttpHeaders[]]));
  const started = await Promise.all(
    Object.entries(schemas).map(async ([name, sdl]) => ({ name, ...(await startMockSubgraph(name, sdl, faults, received, receivedHeaders, resolvers)) })),
  );
  return {
    subgraphs: started.map(({ name, url }) => ({ name, url })),
    faults,
    received,
    receivedHeaders,
    async stop() {
      await Promise.all(
        started.map(async ({ server, apollo }) => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await apollo.stop();
        }),
      );
    },
  };
}
