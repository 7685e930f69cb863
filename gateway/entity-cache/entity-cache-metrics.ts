import { Counter, type Registry } from 'prom-client';

/** The entity cache's series (served at /metrics); `type` is an entity type or a root fetch's fields. */
export function createEntityCacheMetrics(registry: Registry) {
  return {
    lookups: new Counter({
      name: 'gateway_entity_cache_lookups_total',
      help: 'Entity cache lookups by type and outcome (hit, miss, unavailable: the store did not answer).',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    invalidations: new Counter({
      name: 'gateway_entity_cache_invalidations_total',
      help: 'Entity cache invalidations by entity type and source (event, mutation, operator, replay).',
      labelNames: ['type', 'source'] as const,
      registers: [registry],
    }),
    storedBytes: new Counter({
      name: 'gateway_entity_cache_stored_bytes_total',
      help: 'Bytes written to the entity cache, by type.',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'gateway_entity_cache_store_errors_total',
      help: 'Entity cache store operations that failed (the request went on without the cache).',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
  };
}
