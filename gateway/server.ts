// The public endpoint: a list of gateway features (gateway/feature.ts) composed around one executor.
// Hooks run in list order, start in list order, drain and stop in reverse (gateway/compose-features.ts);
// docs/gateway-features.md says what each feature is and why it sits where it does.
import { createApolloHandler } from '../common/http/apollo-handler.ts';
import { createHttpService } from '../common/http/service-server.ts';
import type { Logger } from '../common/logger.ts';
import type { MessageBus } from '../common/messaging/message-bus.ts';
import type { ServiceMetrics } from '../common/metrics.ts';
import type { AccessTokenVerifierOptions } from './auth/access-token-verifier.ts';
import { createTokenVerification } from './auth/token-verification.ts';
import { optOutOfApolloDataCollection } from './apollo-data-collection.ts';
import { composeFeatures } from './compose-features.ts';
import type { GatewayConfig } from './config.ts';
import { createBatching } from './batching/batching.ts';
import { createDedup } from './dedup/dedup.ts';
import { createEntityCacheFeature } from './entity-cache/entity-cache.ts';
import { SubgraphDataSource } from './fetch/apollo-data-source.ts';
import { createFetchPipeline } from './fetch/pipeline.ts';
import { createSubgraphTransport } from './fetch/transport.ts';
import { createGatewayApollo } from './apollo-server.ts';
import { featuresOn, type GatewayFeature } from './feature.ts';
import { createHeaderPropagation } from './header-propagation/header-propagation.ts';
import { createHealth } from './health/health.ts';
import { createDemandControl } from './demand-control/demand-control.ts';
import { createAuthorization } from './authorization/authorization.ts';
import { createContentNegotiation } from './http/content-negotiation.ts';
import { createCors } from './http/cors-feature.ts';
import { createCsrfPrevention } from './http/csrf-prevention.ts';
import { bodyRead } from './http/request-body.ts';
import { createLandingPageOff } from './plugins/landing-page.ts';
import { createOperationMetrics } from './plugins/operation-metrics.ts';
import { createServiceUnavailable } from './plugins/service-unavailable-plugin.ts';
import { createUnexpectedErrors } from './plugins/unexpected-errors.ts';
import { createOperationLimits } from './protection/operation-limits.ts';
import { createRateLimits } from './protection/rate-limits.ts';
import { createRequestId } from './request-id.ts';
import { createResilience } from './resilience/resilience.ts';
import { createSubscriptions } from './subscriptions/subscriptions.ts';
import { createSharedPlansFeature } from './plan-store/shared-plans.ts';
import { createHotReload } from './supergraph/hot-reload.ts';
import { assertServable, servingProblems } from './supergraph/servable.ts';
import { createTrustedDocumentsFeature } from './trusted-documents/trusted-documents-feature.ts';

export { subgraphsOf } from './supergraph/servable.ts';

export interface GatewayDependencies {
  readonly config: GatewayConfig;
  readonly supergraphSdl: string;
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  readonly keySet?: AccessTokenVerifierOptions['keySet'];
  /** Where the events of `@event` subscription fields come from (the gateway consumes them on a transient queue of its own). */
  readonly bus: MessageBus;
  /** Features of one's own, after the gateway's (docs/gateway-features.md, "Adding a gateway feature"). */
  readonly plugins?: readonly GatewayFeature[];
}

/** Verifies callers, plans across subgraphs. Nothing happens until `listen`. */
export function createGatewayServer({ config, supergraphSdl: offeredSdl, log, metrics, keySet, bus, plugins = [] }: GatewayDependencies) {
  // Authorization first: with it on, the supergraph is loaded with its authorization specs served (gateway/authorization/).
  const authorization = createAuthorization(config.authorization, { log, supergraphSdl: offeredSdl });
  const supergraphSdl = authorization?.servable(offeredSdl) ?? offeredSdl;
  assertServable(config, supergraphSdl);
  optOutOfApolloDataCollection();
  const { registry } = metrics;

  // The subgraph fetch: each of these features is a layer of the pipeline, placed by its stage (gateway/fetch/).
  const subgraphFetch = featuresOn([
    createEntityCacheFeature({ settings: config.entityCache, supergraphSdl, bus, log, registry }),
    createDedup({ enabled: config.dedupSubgraphQueries }),
    createBatching({ enabled: config.batchFetches }),
    createResilience({ resilience: config.resilience, subgraphs: config.subgraphs }, { registry }),
    createSubgraphTransport({ subgraphs: config.subgraphs, timeoutMs: config.subgraphTimeoutMs, connections: config.resilience.maxConcurrent }),
  ]);

  const requestId = createRequestId(config, { log });
  const sharedPlans = createSharedPlansFeature(config.sharedPlans, { registry, log });
  const tokens = createTokenVerification(config.jwt, { keySet });
  const rateLimits = createRateLimits(config, { registry, log });
  const watchPath = config.supergraphReload.watch ? config.supergraphPath : undefined;
  const reloadSettings = { watchPath, redisKey: config.supergraphReload.redisKey, redisUrl: config.rateLimits.redisUrl };
  const servable = servingProblems(config);
  const problems = (sdl: string): string[] => [...(authorization?.problems(sdl) ?? []), ...servable(sdl)];
  const reloadDependencies = { initialSdl: supergraphSdl, problems, log, registry, ...(authorization ? { prepare: authorization.servable } : {}) };
  const hotReload = createHotReload(reloadSettings, reloadDependencies);
  const trustedDocuments = createTrustedDocumentsFeature(config.trustedDocuments, { log, registry, production: config.nodeEnv === 'production' });
  // What subscriptions take from the features they rely on.
  const needs = {
    verify: tokens.verify,
    admit: rateLimits?.admit,
    requestId: requestId.of,
    resolveOperation: trustedDocuments?.resolveOperation,
    authorize: authorization?.checkSubscription,
  };
  const subscriptionSettings = { limits: config.subscriptions, maxBodyBytes: config.maxBodyBytes };
  const subscriptions = createSubscriptions(subscriptionSettings, { bus, log, registry, ...needs, apollo: () => apollo, httpServer: () => http.server });
  const negotiationSettings = { maxBodyBytes: config.maxBodyBytes, maxTokens: config.operationLimits.maxTokens };

  // In the order their hooks run: context, Apollo plugins and error formatting; HTTP middleware outermost first.
  const features = featuresOn([
    createHealth(config, { bus }),
    sharedPlans,
    requestId,
    hotReload,
    createOperationMetrics(metrics),
    createUnexpectedErrors(),
    createOperationLimits(config.operationLimits),
    tokens,
    rateLimits,
    // Before demand control: an operation costs what is left of it once unauthorized fields are out.
    authorization,
    createDemandControl(config.demandControl, { supergraphSdl, registry, log }),
    // Before trusted documents: their public answer follows the policy the cache sets.
    ...subgraphFetch,
    trustedDocuments,
    createServiceUnavailable(),
    // Its context reads the client's headers once; its fetch layer runs first (stage `headers`); its
    // plugin answers with what the subgraphs sent, never over what the gateway itself set.
    createHeaderPropagation({ rules: config.headerRules }),
    createLandingPageOff({ production: config.nodeEnv === 'production' }),
    createCors(config.corsOrigins),
    createCsrfPrevention(),
    createContentNegotiation(negotiationSettings, { stream: subscriptions.stream, runnablePayload: trustedDocuments?.runnablePayload }),
    subscriptions,
    ...plugins,
  ]);
  const composed = composeFeatures(features);
  const fetcher = createFetchPipeline(features, Object.keys(config.subgraphs));
  const dataSource = (name: string) => new SubgraphDataSource(fetcher, name);

  const apollo = createGatewayApollo({ config, supergraphSdl: hotReload.hook, dataSource, fetcher, features: composed, log, registry, planStore: sharedPlans?.store });
  const apolloHandler = createApolloHandler(apollo, { context: composed.context, maxBodyBytes: config.maxBodyBytes, service: 'gateway', prepare: composed.prepareRequest });
  const http = createHttpService({
    log,
    graphql: composed.http((req, res) => apolloHandler(req, res, bodyRead(req))),
    routes: composed.routes,
    health: composed.healthChecks,
    metrics: registry,
    shutdownGraceMs: config.shutdownGraceMs,
    // One id per request, whoever asks first: the context, a stream, or the safety net's 500.
    requestId: requestId.of,
  });

  return {
    http,
    features,
    /** WebSocket and subscription counts (tests). */
    subscriptions,
    async listen(port: number, host: string): Promise<string> {
      await apollo.start();
      await composed.start();
      return http.listen(port, host);
    },
    async stop(): Promise<void> {
      await composed.drain();
      await http.close();
      await apollo.stop();
      await composed.stop();
    },
  };
}
export type GatewayServer = ReturnType<typeof createGatewayServer>;
