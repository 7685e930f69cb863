// The gateway's Apollo Server over our executor: @apollo/gateway loads the supergraph (through the
// hot reload feature's hook, and checks a new one's subgraphs through their data sources before a
// reload); our executor (native-gateway.ts) plans and runs every operation. The features' Apollo
// plugins, options and error formatting go in; each load and reload is fanned out to their
// warmUp and schemaChanged.
import { ApolloGateway, type SupergraphSdlHook } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger.ts';
import type { ComposedFeatures } from './compose-features.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { createQueryPlanCache } from './query-plan-cache.ts';
import type { SubgraphDataSource } from './fetch/apollo-data-source.ts';
import { SUPPORTED_SUPERGRAPH_FEATURES } from '../common/supergraph.ts';
import { createNativeGateway, type NativeGatewayOptions } from './executor/native-gateway.ts';
import type { PlanStore } from './executor/plan-serialization.ts';

export interface GatewayApolloOptions {
  readonly config: Pick<GatewayConfig, 'introspection' | 'nodeEnv' | 'dedupSubgraphQueries' | 'batchFetches'>;
  /** Where the supergraph comes from (the hot reload feature). */
  readonly supergraphSdl: SupergraphSdlHook;
  readonly dataSource: (subgraph: string) => SubgraphDataSource;
  readonly fetcher: NativeGatewayOptions['fetcher'];
  readonly features: ComposedFeatures;
  readonly log: Logger;
  /** Plans shared by workers and replicas (gateway/plan-store/), when on. */
  readonly planStore?: PlanStore | undefined;
  readonly registry: Registry;
}

export function createGatewayApollo({ config, supergraphSdl, dataSource, fetcher, features, log, registry, planStore }: GatewayApolloOptions): ApolloServer<GatewayContext> {
  const apolloGateway = new ApolloGateway({
    supergraphSdl,
    logger: log,
    supportedSupergraphFeatures: new Set(SUPPORTED_SUPERGRAPH_FEATURES),
    buildService: ({ name }) => dataSource(name),
  });
  const planCache = createQueryPlanCache(registry);
  const { dedupSubgraphQueries: dedup, batchFetches } = config;
  const gateway = createNativeGateway({
    gateway: apolloGateway,
    fetcher,
    formatError: features.formatError,
    dedup,
    batchFetches,
    planCacheEvents: planCache.events,
    ...(planStore ? { planStore } : {}),
  });
  let loaded = false;
  // Synchronous, inside the switch: plans are ready before any request can use the new supergraph.
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    features.warmUp(gateway.warm);
    features.schemaChanged({ apiSchema, supergraphSdl: coreSupergraphSdl, reload: loaded });
    loaded = true;
  });
  return new ApolloServer<GatewayContext>({
    gateway,
    // Our stopOnSignals owns shutdown; Apollo's own handler would stop the server and re-raise the signal.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    formatError: features.formatError,
    // CSRF prevention is a feature (gateway/http/csrf-prevention.ts), in front of every transport on /graphql.
    csrfPrevention: false,
    ...features.apolloOptions,
    plugins: [...features.apolloPlugins, gateway.incrementalDelivery],
  });
}
