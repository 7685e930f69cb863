// The entity cache's Redis stopped and started again while clients keep browsing: no request
// fails (the cache steps aside and the subgraphs answer), readiness says `degraded` meanwhile and
// `ok` after, and the cache is used again once Redis answers. And `npm run cache:invalidate` drops
// a product's entries in that Redis.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoProducts } from '../../prisma/seed-data.ts';
import { graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { startScratchRedis, type ScratchRedis } from '../support/scratch-redis.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';

let redis: ScratchRedis;
let supergraph: TestSupergraph;
let base: string;

beforeAll(async () => {
  redis = await startScratchRedis();
  supergraph = await startTestSupergraph({ env: { REDIS_URL: redis.url, ENTITY_CACHE_ENABLED: 'true', ENTITY_CACHE_STORE: 'redis' } });
  base = supergraph.gatewayUrl.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await supergraph?.stop();
  await redis?.stop();
});

const PAGE = `query Page($id: ID!) { product(id: $id) { id name price { amount } inventory { available } } }`;
const readiness = async () => (await (await fetch(`${base}/health/ready`)).json()) as { status: string; checks: Record<string, { status: string }> };
const hits = () => readCounter(base, 'gateway_entity_cache_lookups_total', 'outcome="hit"');

it('answers every request while Redis is away, and uses it again once back', async () => {
  const failures: unknown[] = [];
  let answered = 0;
  let browsing = true;
  const browse = async (worker: number) => {
    for (let n = 0; browsing; n += 1) {
      const response = await graphql(supergraph.gatewayUrl, PAGE, { id: demoProducts[(worker * 7 + n) % 12]!.id });
      if (response.status !== 200 || response.errors || !response.data) failures.push(response.errors ?? response.status);
      answered += 1;
    }
  };
  await waitFor(readiness, (report) => report.checks['entity-cache']?.status === 'ok', { what: 'the cache store to connect' });
  const clients = [0, 1, 2].map(browse);
  await waitFor(hits, (count) => count > 0, { what: 'cache hits' });

  await redis.stop();
  const report = await waitFor(readiness, (current) => current.status === 'degraded', { what: 'readiness to say degraded' });
  expect(report.checks['entity-cache']?.status).toBe('unavailable');
  const during = answered;
  await waitFor(
    async () => answered,
    (count) => count >= during + 20,
    { what: 'requests answered while Redis is down' },
  );

  await redis.start();
  await waitFor(readiness, (current) => current.status === 'ok', { what: 'readiness to say ok again' });
  const hitsAfter = await hits();
  await waitFor(hits, (count) => count > hitsAfter, { what: 'cache hits after Redis is back' });
  browsing = false;
  await Promise.all(clients);
  expect(failures).toEqual([]);
});

it("drops a product's entries at an operator's word (npm run cache:invalidate)", async () => {
  const id = demoProducts[3]!.id;
  await graphql(supergraph.gatewayUrl, PAGE, { id });
  const before = await hits();
  await graphql(supergraph.gatewayUrl, PAGE, { id });
  expect(await hits()).toBeGreaterThan(before); // kept
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/cache-invalidate.ts', `Product:${id}`], {
    env: { ...process.env, REDIS_URL: redis.url, ENTITY_CACHE_KEY_PREFIX: supergraph.env['ENTITY_CACHE_KEY_PREFIX'] ?? 'entity-cache', AMQP_URL: '' },
  });
  expect(stdout).toMatch(/[1-9]\d* entr(y|ies) dropped/);
  const misses = await readCounter(base, 'gateway_entity_cache_lookups_total', 'outcome="miss"');
  await graphql(supergraph.gatewayUrl, PAGE, { id });
  expect(await readCounter(base, 'gateway_entity_cache_lookups_total', 'outcome="miss"')).toBeGreaterThan(misses);
});
