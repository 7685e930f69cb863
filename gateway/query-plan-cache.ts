import { Counter, type Registry } from 'prom-client';

/**
 * The metrics of the gateway's query plan cache. The plans themselves live in our executor
 * (gateway/executor/native-gateway.ts, which reports each look-up through `events`), so planning
 * work shows in /metrics; a warm-up plans there too, without counting a look-up.
 */
export function createQueryPlanCache(registry: Registry) {
  const hits = new Counter({ name: 'gateway_query_plan_cache_hits_total', help: 'Operations whose query plan was already cached.', registers: [registry] });
  const misses = new Counter({ name: 'gateway_query_plan_cache_misses_total', help: 'Operations the gateway had to plan.', registers: [registry] });
  return {
    /** The executor's look-ups of a compiled operation. */
    events: { hit: () => hits.inc(), miss: () => misses.inc() },
  };
}
export type QueryPlanCacheHandle = ReturnType<typeof createQueryPlanCache>;
