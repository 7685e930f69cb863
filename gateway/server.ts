import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ConfigError } from '../common/config.ts';
import { createApolloHandler } from '../common/http/apollo-handler.ts';
import { HttpError, sendHttpError } from '../common/http/http-error.ts';
import { parseJsonBody, readBody } from '../common/http/read-body.ts';
import { createHttpService } from '../common/http/service-server.ts';
import type { Logger } from '../common/logger.ts';
import type { MessageBus } from '../common/messaging/message-bus.ts';
import type { ServiceMetrics } from '../common/metrics.ts';
import { maskUnexpectedErrors } from '../common/plugins/mask-errors.ts';
import { metricsPlugin } from '../common/plugins/metrics-plugin.ts';
import { logUnexpectedErrorsPlugin } from '../common/plugins/log-unexpected-errors-plugin.ts';
import type { SubgraphName } from '../common/service/subgraph-config.ts';
import { createAccessTokenVerifier, type AccessTokenVerifierOptions } from './auth/access-token-verifier.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { optOutOfApolloDataCollection } from './apollo-data-collection.ts';
import { requestIdPlugin } from './plugins/request-id-plugin.ts';
import { serviceUnavailablePlugin } from './plugins/service-unavailable-plugin.ts';
import { requestIdOf } from './request-id.ts';
import { operationLimitsPlugin } from './protection/operation-limits-plugin.ts';
import { createRateLimiting } from './protection/rate-limiting.ts';
import { createRequestAdmission } from './protection/request-admission.ts';
import { withTokenLimitCode } from './protection/token-limit-errors.ts';
import { subgraphHealthChecks } from './subgraph-health.ts';
import { createNativeGateway } from './executor/native-gateway.ts';
import { SubgraphDataSource } from './subgraph-data-source.ts';
import { createSubgraphTransports, subgraphFetcher } from './subgraph-transport.ts';
import { createSubgraphFetchMetrics } from './resilience/subgraph-fetch-metrics.ts';
import { createQueryPlanCache } from './query-plan-cache.ts';
import { createEntityCache } from './entity-cache/entity-cache.ts';
import { createTrustedDocuments } from './trusted-documents/trusted-documents.ts';
import { withApqMismatchCode } from './trusted-documents/apq-mismatch.ts';
import { eventFieldProblems, readEventFields, topicsOf } from './subscriptions/event-fields.ts';
import { createEventHub } from './subscriptions/event-hub.ts';
import { createFederatedExecutor } from './subscriptions/federated-executor.ts';
import type { ServingSchema } from './subscriptions/operation.ts';
import { createSubscriptionSessions } from './subscriptions/subscription-session.ts';
import { createHttpSubscriptions } from './subscriptions/http-subscriptions.ts';
import { responseFramingFor } from './subscriptions/http-stream-framing.ts';
import { withCors } from './http/cors.ts';
import { withCsrfPrevention } from './http/csrf-prevention.ts';
import { operationTypeOf } from './http/operation-type.ts';
import { createSubscriptionMetrics } from './subscriptions/subscription-metrics.ts';
import { createSubscriptionSlots } from './subscriptions/subscription-slots.ts';
import { createSupergraphReload } from './supergraph/hot-reload.ts';
import { attachSubscriptionServer } from './subscriptions/websocket-server.ts';
import { createHeaderPropagation } from './header-propagation/header-propagation.ts';

export interface GatewayDependencies {
  readonly config: GatewayConfig;
  readonly supergraphSdl: string;
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  readonly keySet?: AccessTokenVerifierOptions['keySet'];
  /** Where the events of `@event` subscription fields come from (the gateway consumes them on a transient queue of its own). */
  readonly bus: MessageBus;
}

/** Subgraph names the supergraph routes to, read from its join__Graph enum. */
export function subgraphsOf(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((match) => match[1] as string);
}

/** The public endpoint: verifies callers, plans across subgraphs. Nothing happens until `listen`. */
export function createGatewayServer({ config, supergraphSdl, log, metrics, keySet, bus }: GatewayDependencies) {
  const routed = subgraphsOf(supergraphSdl);
  const unknown = routed.filter((name) => !(name in config.subgraphs));
  if (unknown.length > 0) throw new Error(`supergraph routes to subgraphs with no configuration: ${unknown.join(', ')}`);
  const withoutSecret = routed.map((name) => config.subgraphs[name as SubgraphName]).filter((endpoint) => !endpoint.secret);
  if (withoutSecret.length > 0) {
    throw new ConfigError(withoutSecret.map((endpoint) => `${endpoint.secretVariable}: required when NODE_ENV=production`));
  }

  // A subscription declaration that cannot work stops the start, naming the field (a reload refuses it instead).
  readEventFields(supergraphSdl);
  optOutOfApolloDataCollection();
  const fetchMetrics = createSubgraphFetchMetrics(metrics.registry);
  const rateLimiting = createRateLimiting({
    settings: config.rateLimits,
    authThrottle: { ...config.authThrottle, failuresPerIp: config.authFailuresPerIp },
    registry: metrics.registry,
    log,
  });
  const planCache = createQueryPlanCache(metrics.registry);
  const trustedDocuments = createTrustedDocuments({ settings: config.trustedDocuments, log, registry: metrics.registry, production: config.nodeEnv === 'production' });
  // A new supergraph (file, shared source) must route only to configured subgraphs and have servable subscription fields.
  const problemsOf = (sdl: string): string[] => {
    const unconfigured = subgraphsOf(sdl).filter((name) => !(name in config.subgraphs) || !config.subgraphs[name as SubgraphName].secret);
    if (unconfigured.length > 0) return [`routes to subgraphs with no configuration: ${unconfigured.join(', ')}`];
    try {
      return eventFieldProblems(readEventFields(sdl), Supergraph.build(sdl).apiSchema().toGraphQLJSSchema());
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
  };
  const reload = createSupergraphReload({
    settings: {
      watchPath: config.supergraphReload.watch ? config.supergraphPath : undefined,
      redisKey: config.supergraphReload.redisKey,
      redisUrl: config.rateLimits.redisUrl,
    },
    initialSdl: supergraphSdl,
    problems: problemsOf,
    log,
    registry: metrics.registry,
  });
  const entityCache = createEntityCache({ settings: config.entityCache, supergraphSdl, bus, log, registry: metrics.registry });
  const headerPropagation = createHeaderPropagation({ rules: config.headerRules });
  const transports = createSubgraphTransports(config, fetchMetrics, entityCache, headerPropagation?.fetch);
  // What the supergraph being served routes to: a reload may add or drop configured subgraphs.
  let routedNow: readonly string[] = routed;
  // @apollo/gateway loads the supergraph (and checks a new one's subgraphs, through their data
  // sources, before a reload); our executor plans and runs every operation.
  const apolloGateway = new ApolloGateway({
    supergraphSdl: reload.hook,
    logger: log,
    buildService: ({ name }) => new SubgraphDataSource(transports.get(name)!),
  });
  const formatError = withApqMismatchCode(withTokenLimitCode(maskUnexpectedErrors()));
  const gateway = createNativeGateway({
    gateway: apolloGateway,
    fetcher: subgraphFetcher(transports),
    formatError,
    dedup: config.dedupSubgraphQueries,
    batchFetches: config.batchFetches,
    planCacheEvents: planCache.events,
  });
  // Plans made ahead: recent operations at a reload, and the trusted documents at each load.
  reload.attach(gateway.warm);
  if (trustedDocuments) {
    // Before apollo.start() resolves (so before /health/ready), and again at each reload.
    gateway.onSchemaLoadOrUpdate(() => trustedDocuments.warmUp(gateway.warm));
  }
  // The API schema as the gateway serves it, with the supergraph's `@event` subscription fields:
  // what subscriptions are validated against and served from (set below, once the sessions exist).
  let serving: ServingSchema | undefined;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Our stopOnSignals owns shutdown; Apollo's own handler would stop the server and re-raise the signal.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    formatError,
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    // CSRF prevention is gateway/http/csrf-prevention.ts, in front of every transport on /graphql.
    csrfPrevention: false,
    ...trustedDocuments?.apolloConfig,
    plugins: [
      requestIdPlugin(),
      reload.plugin,
      metricsPlugin(metrics),
      logUnexpectedErrorsPlugin(),
      operationLimitsPlugin(config.operationLimits),
      ...(rateLimiting?.plugins ?? []),
      // Before trusted documents: their public answer follows the policy the cache sets.
      ...(entityCache ? [entityCache.plugin] : []),
      ...(trustedDocuments ? [trustedDocuments.plugin] : []),
      serviceUnavailablePlugin(),
      ...(headerPropagation?.apolloPlugins ?? []),
      ...(config.nodeEnv === 'production' ? [ApolloServerPluginLandingPageDisabled()] : []),
      gateway.incrementalDelivery,
    ],
  });

  const viewerFrom = createAccessTokenVerifier({ ...config.jwt, ...(keySet ? { keySet } : {}) });
  const admit = createRequestAdmission(config.trustedProxies, rateLimiting);
  // requestIdOf keeps one id per request, whoever asks first: the context, a stream, or the safety net's 500.
  const requestIdFor = (req: IncomingMessage): string => requestIdOf(req, config.trustedProxies);
  const context = async (req: IncomingMessage): Promise<GatewayContext> => {
    const requestId = requestIdFor(req);
    const viewer = await viewerFrom(req.headers.authorization);
    const admission = await admit(req, viewer);
    const base: GatewayContext = { viewer, requestId, log: log.child({ requestId }), ...admission, ...(entityCache ? { cachePolicy: entityCache.sink() } : {}) };
    return headerPropagation?.context ? { ...base, ...(await headerPropagation.context(req, base)) } : base;
  };

  // Subscriptions: graphql-ws on the same server and path, and streams over HTTP POST (Apollo's
  // multipart protocol, Server-Sent Events); see gateway/subscriptions/. All draw from one per-user budget.
  const hub = createEventHub({ bus, log });
  const subscriptionMetrics = createSubscriptionMetrics(metrics.registry, { listenerCount: () => hub.listenerCount() });
  const executor = createFederatedExecutor({ apollo, log, concurrency: config.subscriptions.fetchConcurrency });
  const slots = createSubscriptionSlots(config.subscriptions.maxPerUser, subscriptionMetrics);
  const sessions = createSubscriptionSessions({
    limits: config.subscriptions,
    verify: viewerFrom.verify,
    schema: () => serving,
    hub,
    executor,
    slots,
    metrics: subscriptionMetrics,
    log,
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    routedNow = subgraphsOf(coreSupergraphSdl);
    const eventFields = readEventFields(coreSupergraphSdl);
    const problems = eventFieldProblems(eventFields, apiSchema);
    if (problems.length > 0) log.error({ problems }, 'the supergraph declares subscription fields the gateway cannot serve');
    const reloaded = serving !== undefined;
    serving = { api: apiSchema, eventFields };
    if (!reloaded) return;
    // A reload: open subscriptions the new schema still accepts stay open; the hub follows the declared topics.
    sessions.revalidate(serving);
    void entityCache?.update(coreSupergraphSdl).catch((error: unknown) => log.error({ err: error }, 'consuming the new cache invalidation topics failed'));
    void hub.consume(topicsOf(eventFields)).catch((error: unknown) => log.error({ err: error }, 'consuming the new subscription topics failed'));
  });
  const httpSubscriptions = createHttpSubscriptions({
    limits: config.subscriptions,
    sessions,
    admit,
    requestId: requestIdFor,
    log,
    resolveOperation: trustedDocuments?.resolveOperation,
  });
  const apolloHandler = createApolloHandler(apollo, {
    context,
    maxBodyBytes: config.maxBodyBytes,
    service: 'gateway',
    ...(trustedDocuments ? { prepare: trustedDocuments.prepareHttpRequest } : {}),
  });
  /** A POST is answered as its operation and Accept header ask: a plain GraphQL response or a stream. */
  const serveGraphQL = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return apolloHandler(req, res);
    let body: unknown;
    try {
      body = parseJsonBody(await readBody(req, config.maxBodyBytes), req.headers['content-type']);
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      throw error;
    }
    // Trusted documents decide first: an id names its text, and a refused text is never parsed here.
    const runnable = trustedDocuments ? trustedDocuments.runnablePayload(body) : body;
    const framing = responseFramingFor(req.headers.accept, operationTypeOf(runnable, config.operationLimits.maxTokens));
    return framing ? httpSubscriptions.handle(req, res, framing, body) : apolloHandler(req, res, { parsed: body });
  };

  let started = false;
  const http = createHttpService({
    log,
    graphql: withCors(config.corsOrigins, withCsrfPrevention(serveGraphQL)),
    metrics: metrics.registry,
    shutdownGraceMs: config.shutdownGraceMs,
    requestId: requestIdFor,
    health: () => [
      {
        name: 'supergraph',
        check: async () => {
          if (!started) throw new Error('supergraph not loaded yet');
        },
      },
      ...subgraphHealthChecks(config.subgraphs, routedNow),
      // Neither is critical: rate limits fall back to per-process budgets, and only subscription
      // events (not queries or mutations) need the broker.
      ...(rateLimiting?.healthChecks ?? []),
      { name: 'broker', check: () => bus.healthCheck(), critical: false },
      // Not critical either: without its store the cache steps aside and requests go to the subgraphs.
      ...(entityCache?.healthChecks ?? []),
    ],
  });

  const subscriptions = attachSubscriptionServer({
    httpServer: http.server,
    path: '/graphql',
    limits: config.subscriptions,
    maxPayloadBytes: config.maxBodyBytes,
    sessions,
    metrics: subscriptionMetrics,
    slots,
    log,
    resolveOperation: trustedDocuments?.resolveOperation,
  });

  return {
    http,
    subscriptions,
    httpSubscriptions,
    hub,
    reload,
    entityCache,
    async listen(port: number, host: string): Promise<string> {
      await apollo.start();
      await hub.consume(serving ? topicsOf(serving.eventFields) : []);
      await entityCache?.start();
      started = true;
      return http.listen(port, host);
    },
    async stop(): Promise<void> {
      await Promise.all([subscriptions.close(), httpSubscriptions.close()]);
      await hub.stop();
      await reload.stop();
      await http.close();
      await apollo.stop();
      // After the requests in flight: they may still read and fill it.
      await entityCache?.stop();
      await rateLimiting?.close();
      await Promise.all([...transports.values()].map((transport) => transport.close()));
    },
  };
}
export type GatewayServer = ReturnType<typeof createGatewayServer>;
