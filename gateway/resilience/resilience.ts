// Resilience as a layer of the subgraph fetch, always on: each subgraph's bulkhead and circuit
// breaker, with retries for queries (never mutations); latency and failure metrics. A subgraph that
// cannot answer becomes one SUBGRAPH_UNAVAILABLE error: the rest of the response still arrives.
import type { Registry } from 'prom-client';
import { ErrorCode } from '../../common/errors.ts';
import type { GatewayFeature } from '../feature.ts';
import type { FetchLayer, SubgraphReply } from '../fetch/fetch-types.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { createSubgraphFetchMetrics } from './subgraph-fetch-metrics.ts';
import { createSubgraphPolicies, failureReason, type ResilienceSettings, type SubgraphPolicies } from './subgraph-policies.ts';

const { GraphQLError } = graphqlRuntime;

export interface ResilienceFeatureSettings {
  readonly resilience: ResilienceSettings;
  /** Every configured subgraph: each has its own breaker and bulkhead from the start, with its own settings over `resilience` (configuration file). */
  readonly subgraphs: Readonly<Record<string, { readonly resilience?: Partial<ResilienceSettings> | undefined }>>;
}

export function createResilience(settings: ResilienceFeatureSettings, dependencies: { readonly registry: Registry }): GatewayFeature {
  const metrics = createSubgraphFetchMetrics(dependencies.registry);
  const policies = new Map<string, SubgraphPolicies>(
    Object.entries(settings.subgraphs).map(([name, own]) => [name, createSubgraphPolicies(name, { ...settings.resilience, ...own.resilience }, metrics)]),
  );

  const layer: FetchLayer = {
    stage: 'resilience',
    async handle(fetch, next): Promise<SubgraphReply> {
      const name = fetch.subgraph;
      const own = policies.get(name);
      if (!own) return next(fetch); // the transport names the unknown subgraph
      const policy = fetch.mutation ? own.write : own.read;
      const started = performance.now();
      try {
        const reply = await policy.execute(() => next(fetch));
        metrics.duration.observe({ subgraph: name, outcome: 'ok' }, (performance.now() - started) / 1000);
        return reply;
      } catch (error) {
        const reason = failureReason(error);
        metrics.duration.observe({ subgraph: name, outcome: 'error' }, (performance.now() - started) / 1000);
        metrics.failures.inc({ subgraph: name, reason });
        if (reason === 'other') throw error;
        throw new GraphQLError(`The ${name} service is unavailable (${reason.replace('_', ' ')}).`, {
          extensions: { code: ErrorCode.subgraphUnavailable, serviceName: name, reason },
        });
      }
    },
  };
  return { name: 'resilience', fetch: layer };
}
