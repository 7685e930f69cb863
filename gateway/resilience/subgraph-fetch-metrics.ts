import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Per-subgraph fetch health, as an operator reads it: latency, failures, breaker, queue. */
export function createSubgraphFetchMetrics(registry: Registry) {
  return {
    duration: new Histogram({
      name: 'gateway_subgraph_fetch_duration_seconds',
      help: 'Latency of fetches from the gateway to each subgraph.',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'gateway_subgraph_fetch_failures_total',
      help: 'Subgraph fetches that failed, by reason (timeout, unreachable, http_5xx, breaker_open, bulkhead_full).',
      labelNames: ['subgraph', 'reason'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'gateway_subgraph_fetch_retries_total',
      help: 'Query fetches retried after a transient failure (mutations are never retried).',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'gateway_subgraph_breaker_state',
      help: 'Circuit breaker per subgraph: 0 closed, 1 open, 2 half-open, 3 isolated.',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
    bulkheadQueued: new Gauge({
      name: 'gateway_subgraph_bulkhead_queued',
      help: 'Fetches waiting for a free slot to a subgraph.',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
  };
}
export type SubgraphFetchMetrics = ReturnType<typeof createSubgraphFetchMetrics>;
