// Readiness (/health/ready) of what no other feature owns: the supergraph is loaded, each subgraph
// it routes to answers, and the broker is reachable. Features add their own entries (rate limits'
// Redis, the entity cache's store) through their `healthChecks`.
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import type { SubgraphEndpoint } from '../config.ts';
import type { GatewayFeature } from '../feature.ts';
import { subgraphsOf } from '../supergraph/servable.ts';
import { subgraphHealthChecks } from './subgraph-health.ts';

export interface HealthSettings {
  readonly subgraphs: Readonly<Record<string, SubgraphEndpoint>>;
}

export interface HealthDependencies {
  readonly bus: MessageBus;
}

/** Always on. */
export function createHealth({ subgraphs }: HealthSettings, { bus }: HealthDependencies): GatewayFeature {
  let loaded = false;
  // What the supergraph being served routes to: a reload may add or drop configured subgraphs.
  let routed: readonly string[] = [];
  return {
    name: 'health',
    schemaChanged({ supergraphSdl }) {
      routed = subgraphsOf(supergraphSdl);
      loaded = true;
    },
    healthChecks: () => [
      {
        name: 'supergraph',
        check: async () => {
          if (!loaded) throw new Error('supergraph not loaded yet');
        },
      },
      ...subgraphHealthChecks(subgraphs, routed),
      // Not critical: only subscription events (not queries or mutations) need the broker.
      { name: 'broker', check: () => bus.healthCheck(), critical: false },
    ],
  };
}
