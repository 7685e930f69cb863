import type { HealthCheck } from '../common/health.ts';
import type { SubgraphEndpoint } from './config.ts';

/** Ready means every subgraph the supergraph routes to answers its liveness probe. */
export function subgraphHealthChecks(subgraphs: Readonly<Record<string, SubgraphEndpoint>>, names: readonly string[]): HealthCheck[] {
  return names.map((name) => ({
    name: `subgraph:${name}`,
    check: async () => {
      const endpoint = subgraphs[name];
      if (!endpoint) throw new Error('no endpoint configured');
      const response = await fetch(new URL('/health/live', endpoint.url), { signal: AbortSignal.timeout(1_500) });
      if (!response.ok) throw new Error(`answered ${response.status}`);
    },
  }));
}
