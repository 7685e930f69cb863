import type { HealthCheck } from '../../common/health.ts';
import type { SubgraphEndpoint } from '../config.ts';

/**
 * Each subgraph the supergraph routes to, by its liveness probe. Not critical: with a subgraph down
 * the gateway still answers with the others' data, and a gateway taken out of the load balancer for
 * it would take every other subgraph's data away too.
 */
export function subgraphHealthChecks(subgraphs: Readonly<Record<string, SubgraphEndpoint>>, names: readonly string[]): HealthCheck[] {
  return names.map((name) => ({
    name: `subgraph:${name}`,
    critical: false,
    check: async () => {
      const endpoint = subgraphs[name];
      if (!endpoint) throw new Error('no endpoint configured');
      const response = await fetch(new URL('/health/live', endpoint.url), { signal: AbortSignal.timeout(1_500) });
      if (!response.ok) throw new Error(`answered ${response.status}`);
    },
  }));
}
