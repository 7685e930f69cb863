// Our executor against @apollo/gateway's, byte for byte: the same operations, over the same mock
// subgraphs, over HTTP: our whole gateway, and the oracle configured alike (test/support/apollo-oracle.ts). The
// corpus: every SDK operation, generated operations over the whole supergraph (aliases, named
// and inline fragments, @include/@skip on variables, arguments from variables), and a fixture
// supergraph with interfaces, unions, @requires and @provides. Each runs clean, then with an
// error and a null injected at the fields it reaches (at every depth), then with each subgraph
// answering 503 (SUBGRAPH_UNAVAILABLE and partial results).
import { readFile } from 'node:fs/promises';
import { print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { readSubgraphSdl } from '../../common/subgraph/shared-definitions.ts';
import * as sdk from '../../sdk/index.ts';
import { FIXTURE_OPERATIONS, FIXTURE_SUBGRAPHS, composeFixture } from '../../test/support/federation-fixture.ts';
import { startMockSubgraphs, type Faults, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, subgraphsOf } from '../server.ts';
import { startApolloOracle } from '../../test/support/apollo-oracle.ts';
import { withoutAuthorization } from '../../test/support/without-authorization.ts';
import { coordinatesOf, generateOperations, variablesFor, type CorpusOperation } from '../../test/support/operation-corpus.ts';
import { buildSupergraph } from '../../common/supergraph.ts';

interface GatewayPair {
  readonly native: string;
  readonly apollo: string;
  stop(): Promise<void>;
}

async function startGatewayPair(supergraphSdl: string, mocks: MockSubgraphs): Promise<GatewayPair> {
  const log = createLogger('gateway', 'silent');
  const bus = createInProcessBus({ log });
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    SUBGRAPH_RETRIES: '0',
    SUBGRAPH_BREAKER_THRESHOLD: '1000000',
    MAX_QUERY_DEPTH: '100',
    MAX_QUERY_ALIASES: '10000',
    MAX_QUERY_DIRECTIVES: '10000',
    MAX_QUERY_TOKENS: '1000000',
    MAX_QUERY_COST: '100000000',
    ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
  };
  const config = loadGatewayConfig(env);
  const server = createGatewayServer({ config, supergraphSdl, log, metrics: createMetrics('gateway'), bus });
  const [native, oracle] = await Promise.all([server.listen(0, '127.0.0.1'), startApolloOracle(config, supergraphSdl)]);
  return {
    native: `${native}/graphql`,
    apollo: oracle.url,
    async stop() {
      await Promise.all([server.stop(), oracle.stop()]);
      await bus.close();
    },
  };
}

async function post(url: string, operation: CorpusOperation): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: operation.query, operationName: operation.operationName, variables: operation.variables }),
  });
  return { status: response.status, body: await response.text() };
}

// Within a Parallel node, @apollo/gateway records subgraph errors in the order the answers
// arrive, which varies from run to run; a mismatch is asked again a few times before it counts.
async function compare(pair: GatewayPair, operation: CorpusOperation): Promise<{ native: string; apollo: string; status: number }> {
  let last = { native: '', apollo: '', status: 0 };
  for (let attempt = 0; attempt < 4; attempt++) {
    const [native, apollo] = [await post(pair.native, operation), await post(pair.apollo, operation)];
    last = { native: `${native.status} ${native.body}`, apollo: `${apollo.status} ${apollo.body}`, status: apollo.status };
    if (last.native === last.apollo) return last;
  }
  return last;
}

interface Case {
  readonly label: string;
  readonly faults: Faults;
}

function casesFor(schema: GraphQLSchema, operation: CorpusOperation, subgraphs: readonly string[]): Case[] {
  const coordinates = coordinatesOf(schema, operation.query);
  // Up to three coordinates per depth, non-null fields first (a null there propagates).
  const byDepth = new Map<number, typeof coordinates>();
  for (const coordinate of coordinates) byDepth.set(coordinate.depth, [...(byDepth.get(coordinate.depth) ?? []), coordinate]);
  const chosen = [...byDepth.values()].flatMap((atDepth) => [...atDepth].sort((a, b) => Number(b.nonNull) - Number(a.nonNull)).slice(0, 3));
  return [
    { label: 'clean', faults: {} },
    ...chosen.flatMap((coordinate) => [
      { label: `error at ${coordinate.coordinate} (depth ${coordinate.depth})`, faults: { field: { coordinate: coordinate.coordinate, kind: 'error' as const } } },
      { label: `null at ${coordinate.coordinate} (depth ${coordinate.depth})`, faults: { field: { coordinate: coordinate.coordinate, kind: 'null' as const } } },
    ]),
    ...subgraphs.map((name) => ({ label: `${name} unavailable`, faults: { unavailable: name } })),
  ];
}

async function runCorpus(pair: GatewayPair, mocks: MockSubgraphs, schema: GraphQLSchema, corpus: readonly CorpusOperation[], subgraphs: readonly string[]) {
  const mismatches: string[] = [];
  let compared = 0;
  let withData = 0;
  let withErrors = 0;
  const cleanFailures: string[] = [];
  for (const operation of corpus) {
    for (const testCase of casesFor(schema, operation, subgraphs)) {
      mocks.faults.field = testCase.faults.field;
      mocks.faults.unavailable = testCase.faults.unavailable;
      const result = await compare(pair, operation);
      compared += 1;
      if (result.apollo.includes('"data":{')) withData += 1;
      if (result.apollo.includes('"errors":[')) withErrors += 1;
      if (testCase.label === 'clean' && (!result.apollo.startsWith('200 {"data":{') || result.apollo.includes('"errors":[')))
        cleanFailures.push(`${operation.name}: ${result.apollo.slice(0, 500)}`);
      if (result.native !== result.apollo)
        mismatches.push(`${operation.name} / ${testCase.label}\n  native: ${result.native.slice(0, 1500)}\n  apollo: ${result.apollo.slice(0, 1500)}`);
    }
  }
  mocks.faults.field = undefined;
  mocks.faults.unavailable = undefined;
  return { mismatches, cleanFailures, compared, withData, withErrors };
}

const apiSchemaOf = (supergraphSdl: string): GraphQLSchema => buildSupergraph(supergraphSdl).apiSchema().toGraphQLJSSchema();

describe('our executor answers byte for byte as @apollo/gateway does', () => {
  describe('over the project supergraph', () => {
    let mocks: MockSubgraphs;
    let pair: GatewayPair;
    let supergraphSdl: string;
    beforeAll(async () => {
      // @apollo/gateway enforces no authorization (and refuses the specs): both executors get the supergraph without it.
      supergraphSdl = withoutAuthorization(await readFile(new URL('../../supergraph.graphql', import.meta.url), 'utf8'));
      const names = subgraphsOf(supergraphSdl);
      const schemas = Object.fromEntries(names.map((name) => [name, readSubgraphSdl(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url))] as const));
      mocks = await startMockSubgraphs(schemas);
      pair = await startGatewayPair(supergraphSdl, mocks);
    });
    afterAll(async () => {
      await pair?.stop();
      await mocks?.stop();
    });

    it('every SDK operation, clean and with faults at every depth', async () => {
      const schema = apiSchemaOf(supergraphSdl);
      const documents = Object.entries(sdk).filter(
        (entry): entry is [string, DocumentNode] => entry[0].endsWith('Document') && typeof entry[1] === 'object' && entry[1] !== null && 'definitions' in entry[1],
      );
      const corpus = documents
        .filter(([, document]) => document.definitions.some((definition) => definition.kind === 'OperationDefinition' && definition.operation !== 'subscription'))
        .map(([name, document]): CorpusOperation => {
          const query = print(document);
          return { name, query, variables: variablesFor(schema, query) };
        });
      expect(corpus.length).toBeGreaterThan(10);
      const result = await runCorpus(pair, mocks, schema, corpus, subgraphsOf(supergraphSdl));
      expect(result.mismatches).toEqual([]);
      expect(result.cleanFailures).toEqual([]);
      expect(result.withData).toBeGreaterThan(result.compared / 4);
      expect(result.withErrors).toBeGreaterThan(result.compared / 2);
    }, 600_000);

    it('generated operations over the whole supergraph, clean and with faults at every depth', async () => {
      const schema = apiSchemaOf(supergraphSdl);
      const corpus = generateOperations(schema, 3);
      expect(corpus.length).toBeGreaterThan(5);
      const result = await runCorpus(pair, mocks, schema, corpus, subgraphsOf(supergraphSdl));
      expect(result.mismatches).toEqual([]);
      expect(result.cleanFailures).toEqual([]);
      expect(result.withData).toBeGreaterThan(result.compared / 4);
      expect(result.withErrors).toBeGreaterThan(result.compared / 2);
    }, 600_000);
  });

  describe('over a fixture with interfaces, unions, @requires and @provides', () => {
    let mocks: MockSubgraphs;
    let pair: GatewayPair;
    let supergraphSdl: string;
    beforeAll(async () => {
      mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
      supergraphSdl = composeFixture(Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url])));
      pair = await startGatewayPair(supergraphSdl, mocks);
    });
    afterAll(async () => {
      await pair?.stop();
      await mocks?.stop();
    });

    it('hand-written and generated operations, clean and with faults at every depth', async () => {
      const schema = apiSchemaOf(supergraphSdl);
      const corpus: CorpusOperation[] = [
        ...FIXTURE_OPERATIONS.map((operation) => ({ name: operation.name, query: operation.query, variables: operation.variables ?? {} })),
        ...generateOperations(schema, 4),
      ];
      const result = await runCorpus(pair, mocks, schema, corpus, Object.keys(FIXTURE_SUBGRAPHS));
      expect(result.mismatches).toEqual([]);
      expect(result.cleanFailures).toEqual([]);
      expect(result.withData).toBeGreaterThan(result.compared / 4);
      expect(result.withErrors).toBeGreaterThan(result.compared / 2);
    }, 600_000);
  });
});
