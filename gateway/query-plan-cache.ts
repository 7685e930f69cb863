import { createHash } from 'node:crypto';
import type { QueryPlan, QueryPlanCache } from '@apollo/query-planner';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { Counter, type Registry } from 'prom-client';

// @apollo/gateway's own default: 30 MiB of plans, sized by their JSON.
const MAX_SIZE_BYTES = 30 * 2 ** 20;

/**
 * The gateway's query plan cache (given to @apollo/gateway as `queryPlannerConfig.cache`), counting
 * its hits and misses, so that planning work shows in /metrics and a warm-up can fill it.
 */
export function createQueryPlanCache(registry: Registry) {
  const store = new InMemoryLRUCache<QueryPlan>({ maxSize: MAX_SIZE_BYTES, sizeCalculation: (plan) => Buffer.byteLength(JSON.stringify(plan), 'utf8') });
  const hits = new Counter({ name: 'gateway_query_plan_cache_hits_total', help: 'Operations whose query plan was already cached.', registers: [registry] });
  const misses = new Counter({ name: 'gateway_query_plan_cache_misses_total', help: 'Operations the gateway had to plan.', registers: [registry] });
  const cache: QueryPlanCache = {
    async get(key) {
      const plan = await store.get(key);
      (plan ? hits : misses).inc();
      return plan;
    },
    set: (key, plan, options) => store.set(key, plan, options),
    delete: (key) => store.delete(key),
    clear: () => store.clear(),
  };
  return {
    cache,
    /** For an executor that keeps its own plans (GATEWAY_EXECUTOR=native): its look-ups, counted here too. */
    events: { hit: () => hits.inc(), miss: () => misses.inc() },
    /** Stores a plan where @apollo/gateway looks for it (see `planKey`), without counting a look-up. */
    put: (query: string, operationName: string, plan: QueryPlan) => store.set(planKey(query, operationName), plan),
  };
}
export type QueryPlanCacheHandle = ReturnType<typeof createQueryPlanCache>;

/**
 * The key @apollo/gateway 2 stores a plan under: sha256 over Apollo Server's `queryHash` (the sha256
 * hex of the query text) then the operation name. A warm-up that used another key would show as a
 * miss on the first request (test/e2e/trusted-documents.test.ts asserts the hit).
 */
export function planKey(query: string, operationName: string): string {
  const queryHash = createHash('sha256').update(query).digest('hex');
  return createHash('sha256').update(queryHash).update(operationName).digest('hex');
}
