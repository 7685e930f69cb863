// Plans shared in Redis, from the outside: one gateway plans every operation of the differential
// corpus (test/support/operation-corpus.ts: the SDK's operations, generated operations over the whole
// supergraph, the fixture with interfaces, unions, @requires and @provides) and writes the plans; a
// second gateway, which never planned them, answers every one with the plan read from Redis, byte for
// byte as the first does, clean and with each subgraph unavailable. With Redis gone, a gateway
// plans locally: no error, ready.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { readSubgraphSdl } from '../../common/subgraph/shared-definitions.ts';
import * as sdk from '../../sdk/index.ts';
import { FIXTURE_OPERATIONS, FIXTURE_SUBGRAPHS, composeFixture } from '../../test/support/federation-fixture.ts';
import { readCounter } from '../../test/support/metrics.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { generateOperations, variablesFor, type CorpusOperation } from '../../test/support/operation-corpus.ts';
import { startScratchRedis } from '../../test/support/scratch-redis.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, subgraphsOf } from '../server.ts';
import { planAhead } from '../executor/native-gateway.ts';
import { planHashKey } from './shared-plans.ts';
import { servableSupergraph } from '../authorization/requirements.ts';
import { buildSupergraph } from '../../common/supergraph.ts';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface Gateway {
  readonly base: string;
  stop(): Promise<void>;
}

async function startGateway(supergraphSdl: string, mocks: MockSubgraphs, env: Record<string, string>): Promise<Gateway> {
  const log = createLogger('gateway', 'silent');
  const bus = createInProcessBus({ log });
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ENTITY_CACHE_ENABLED: 'false',
    // No warm-up from the manifests: every plan here comes from a request (or from Redis).
    PERSISTED_DOCUMENTS: 'off',
    SUBGRAPH_RETRIES: '0',
    SUBGRAPH_BREAKER_THRESHOLD: '1000000',
    MAX_QUERY_DEPTH: '100',
    MAX_QUERY_ALIASES: '10000',
    MAX_QUERY_DIRECTIVES: '10000',
    MAX_QUERY_TOKENS: '1000000',
    MAX_QUERY_COST: '100000000',
    // Every operation planned as sent: no cost refusal before planning, no fields filtered out for
    // an anonymous caller (a filtered operation is another operation, with a plan of its own).
    MAX_QUERY_COST_MODE: 'off',
    GATEWAY_AUTHORIZATION: 'off',
    ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
    ...env,
  });
  const server = createGatewayServer({ config, supergraphSdl, log, metrics: createMetrics('gateway'), bus });
  const base = await server.listen(0, '127.0.0.1');
  return {
    base,
    async stop() {
      await server.stop();
      await bus.close();
    },
  };
}

async function post(base: string, operation: CorpusOperation): Promise<string> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: operation.query, operationName: operation.operationName, variables: operation.variables }),
  });
  return `${response.status} ${await response.text()}`;
}

const remote = (base: string, outcome: string) => readCounter(base, 'gateway_query_plan_remote_total', `outcome="${outcome}"`);
const apiSchemaOf = (supergraphSdl: string): GraphQLSchema => buildSupergraph(supergraphSdl).apiSchema().toGraphQLJSSchema();

function sdkCorpus(schema: GraphQLSchema): CorpusOperation[] {
  return Object.entries(sdk)
    .filter((entry): entry is [string, DocumentNode] => entry[0].endsWith('Document') && typeof entry[1] === 'object' && entry[1] !== null && 'definitions' in entry[1])
    .filter(([, document]) => document.definitions.some((definition) => definition.kind === 'OperationDefinition' && definition.operation !== 'subscription'))
    .map(([name, document]) => {
      const query = print(document);
      return { name, query, variables: variablesFor(schema, query) };
    });
}

let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL, { lazyConnect: false });
});
afterAll(async () => {
  await redis?.quit();
});

/** Plans every operation on a first gateway, then answers it from a second one with the plans from Redis. */
async function roundTrip(supergraphSdl: string, mocks: MockSubgraphs, corpus: readonly CorpusOperation[], subgraphs: readonly string[]) {
  const prefix = `test-plans-${randomUUID()}`;
  const env = { REDIS_URL, PLAN_CACHE_KEY_PREFIX: prefix };
  const planner = await startGateway(supergraphSdl, mocks, env);
  const reader = await startGateway(supergraphSdl, mocks, env);
  try {
    const cases = [undefined, ...subgraphs];
    const expected = new Map<string, string>();
    for (const operation of corpus) {
      for (const unavailable of cases) {
        mocks.faults.unavailable = unavailable;
        expected.set(`${operation.name} / ${unavailable ?? 'clean'}`, await post(planner.base, operation));
      }
    }
    mocks.faults.unavailable = undefined;
    const written = await waitFor(
      () => readCounter(planner.base, 'gateway_query_plan_remote_writes_total', 'outcome="ok"'),
      (count) => count >= corpus.length,
      { what: 'the plans to be written', timeoutMs: 10_000 },
    );
    const supergraphId = (await redis.keys(`${prefix}:*`))[0]?.slice(prefix.length + 1);
    expect(supergraphId).toMatch(/^[0-9a-f]{64}$/);
    expect(await redis.hlen(planHashKey(prefix, supergraphId!))).toBe(written);

    const mismatches: string[] = [];
    for (const operation of corpus) {
      for (const unavailable of cases) {
        mocks.faults.unavailable = unavailable;
        const label = `${operation.name} / ${unavailable ?? 'clean'}`;
        const answer = await post(reader.base, operation);
        if (answer !== expected.get(label)) mismatches.push(`${label}\n  from Redis: ${answer.slice(0, 800)}\n  planned:    ${expected.get(label)!.slice(0, 800)}`);
      }
    }
    mocks.faults.unavailable = undefined;
    expect(mismatches).toEqual([]);
    // Every operation the first gateway planned, the second read; it planned none itself.
    expect(await remote(reader.base, 'hit')).toBe(written);
    expect(await remote(reader.base, 'miss')).toBe(0);
    expect(await readCounter(reader.base, 'gateway_query_plan_remote_writes_total', 'outcome="ok"')).toBe(0);
    return { written, clean: [...expected.entries()].filter(([label, answer]) => label.endsWith('/ clean') && answer.startsWith('200 {"data":{')).length };
  } finally {
    await Promise.all([planner.stop(), reader.stop()]);
    await redis.del(...(await redis.keys(`${prefix}:*`)), `${prefix}:none`);
  }
}

describe('query plans shared in Redis', () => {
  describe('over the project supergraph', () => {
    let mocks: MockSubgraphs;
    let supergraphSdl: string;
    beforeAll(async () => {
      // As the gateway loads it (authorization's specs served): what it plans and keys the shared plans by.
      supergraphSdl = servableSupergraph(await readFile(new URL('../../supergraph.graphql', import.meta.url), 'utf8'));
      const names = subgraphsOf(supergraphSdl);
      const schemas = Object.fromEntries(names.map((name) => [name, readSubgraphSdl(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url))] as const));
      mocks = await startMockSubgraphs(schemas);
    });
    afterAll(async () => {
      await mocks?.stop();
    });

    it('every SDK and generated operation answers the same with a plan read from Redis as with one made in the process', async () => {
      const schema = apiSchemaOf(supergraphSdl);
      const corpus = [...sdkCorpus(schema), ...generateOperations(schema, 3)];
      expect(corpus.length).toBeGreaterThan(15);
      const { written, clean } = await roundTrip(supergraphSdl, mocks, corpus, subgraphsOf(supergraphSdl));
      expect(written).toBe(corpus.length);
      expect(clean).toBeGreaterThan(corpus.length / 2);
    }, 600_000);

    it('plans made ahead (schema:publish) are the ones a request reads: the first request is a remote hit', async () => {
      const schema = apiSchemaOf(supergraphSdl);
      const corpus = sdkCorpus(schema).filter((operation) => !operation.query.trimStart().startsWith('mutation'));
      const ahead = planAhead(
        supergraphSdl,
        corpus.map((operation) => ({ query: operation.query, operationName: undefined })),
      );
      expect(ahead.plans.length).toBe(corpus.length);
      const prefix = `test-plans-${randomUUID()}`;
      await redis.hset(planHashKey(prefix, ahead.supergraphId), Object.fromEntries(ahead.plans.map(({ operationKey, plan }) => [operationKey, plan])));
      const reader = await startGateway(supergraphSdl, mocks, { REDIS_URL, PLAN_CACHE_KEY_PREFIX: prefix });
      const fresh = await startGateway(supergraphSdl, mocks, { PLAN_CACHE_REDIS: 'false' });
      try {
        for (const operation of corpus) expect(await post(reader.base, operation)).toBe(await post(fresh.base, operation));
        expect(await remote(reader.base, 'hit')).toBe(corpus.length);
        expect(await remote(reader.base, 'miss')).toBe(0);
        // Off: no series of it at all.
        expect(await (await fetch(`${fresh.base}/metrics`)).text()).not.toContain('gateway_query_plan_remote');
      } finally {
        await Promise.all([reader.stop(), fresh.stop()]);
        await redis.del(planHashKey(prefix, ahead.supergraphId));
      }
    }, 300_000);

    it('with Redis down, a gateway plans locally: the same answers, ready, the look-ups counted as errors', async () => {
      const scratch = await startScratchRedis();
      await scratch.stop();
      const gateway = await startGateway(supergraphSdl, mocks, { REDIS_URL: scratch.url });
      const fresh = await startGateway(supergraphSdl, mocks, { PLAN_CACHE_REDIS: 'false' });
      try {
        const corpus = sdkCorpus(apiSchemaOf(supergraphSdl)).slice(0, 5);
        for (const operation of corpus) expect(await post(gateway.base, operation)).toBe(await post(fresh.base, operation));
        expect(await remote(gateway.base, 'error')).toBe(corpus.length);
        const ready = await fetch(`${gateway.base}/health/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.text()).toMatch(/"plan-store":\{"status":"unavailable"/);
      } finally {
        await Promise.all([gateway.stop(), fresh.stop()]);
      }
    }, 120_000);
  });

  describe('over a fixture with interfaces, unions, @requires and @provides', () => {
    let mocks: MockSubgraphs;
    let supergraphSdl: string;
    beforeAll(async () => {
      mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
      supergraphSdl = composeFixture(Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url])));
    });
    afterAll(async () => {
      await mocks?.stop();
    });

    it('hand-written and generated operations answer the same with a plan read from Redis', async () => {
      const schema = apiSchemaOf(supergraphSdl);
      const corpus: CorpusOperation[] = [
        ...FIXTURE_OPERATIONS.map((operation) => ({ name: operation.name, query: operation.query, variables: operation.variables ?? {} })),
        ...generateOperations(schema, 4),
      ];
      const { written, clean } = await roundTrip(supergraphSdl, mocks, corpus, Object.keys(FIXTURE_SUBGRAPHS));
      expect(written).toBe(corpus.length);
      expect(clean).toBeGreaterThan(corpus.length / 2);
    }, 600_000);
  });
});
