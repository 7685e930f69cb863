// How gateway/server.ts puts a list of features (gateway/feature.ts) together: every hook in list
// order (the first feature's HTTP middleware is the outermost), `start` in list order, `drain` and
// `stop` in reverse. Nothing here knows any feature by name.
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin, HTTPGraphQLRequest } from '@apollo/server';
import type { HealthCheck } from '../common/health.ts';
import type { GatewayContext } from './context.ts';
import type { ApolloOptions, ErrorFormatter, GatewayFeature, PlanWarmer, RequestHandler, ServedSchema } from './feature.ts';

export interface ComposedFeatures {
  /** `/graphql`: the features' middleware around `handler` (the Apollo handler). */
  http(handler: RequestHandler): RequestHandler;
  readonly routes: Readonly<Record<string, RequestHandler>>;
  context(req: IncomingMessage): Promise<GatewayContext>;
  prepareRequest(request: HTTPGraphQLRequest): HTTPGraphQLRequest;
  readonly apolloPlugins: readonly ApolloServerPlugin<GatewayContext>[];
  readonly apolloOptions: ApolloOptions;
  readonly formatError: ErrorFormatter;
  healthChecks(): readonly HealthCheck[];
  schemaChanged(schema: ServedSchema): void;
  warmUp(warm: PlanWarmer): void;
  start(): Promise<void>;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** The HTTP service's own routes: a feature wraps /graphql through `http`, it does not replace it. */
const RESERVED_PATHS = ['/graphql', '/health/live', '/health/ready', '/metrics'];

/** Runs `run` for each feature in `order`, one after the other; every one runs even if one fails (the first failure is thrown at the end). */
async function inSequence(features: readonly GatewayFeature[], run: (feature: GatewayFeature) => Promise<void> | undefined): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const feature of features) {
    try {
      await run(feature);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

export function composeFeatures(features: readonly GatewayFeature[]): ComposedFeatures {
  const names = new Set<string>();
  for (const { name } of features) {
    // Two features of one name would make logs and ordering errors ambiguous.
    if (names.has(name)) throw new Error(`two gateway features are named "${name}"`);
    names.add(name);
  }
  const reversed = [...features].reverse();
  const routes: Record<string, RequestHandler> = {};
  for (const feature of features) {
    for (const [path, handler] of Object.entries(feature.routes ?? {})) {
      if (path in routes || RESERVED_PATHS.includes(path)) throw new Error(`gateway feature "${feature.name}" adds the route ${path}, which is served already`);
      routes[path] = handler;
    }
  }
  const formatters = features.flatMap((feature) => (feature.formatError ? [feature.formatError] : []));
  const preparers = features.flatMap((feature) => (feature.prepareRequest ? [feature.prepareRequest] : []));

  return {
    http: (handler) => reversed.reduce<RequestHandler>((next, feature) => (feature.http ? feature.http(next) : next), handler),
    routes,
    async context(req) {
      // The fetch scope first: fetch layers (the entity cache's policy) keep per-request state in it.
      let context: Partial<GatewayContext> = { fetchScope: { entries: new Map() } };
      for (const feature of features) if (feature.context) context = { ...context, ...(await feature.context(req, context)) };
      const { requestId, log, viewer = null } = context;
      // A list without the request id feature is a wiring mistake, not a request's fault.
      if (requestId === undefined || log === undefined) throw new Error('no gateway feature sets the request id and log of the context');
      return { ...context, requestId, log, viewer };
    },
    prepareRequest: (request) => preparers.reduce((prepared, prepare) => prepare(prepared), request),
    apolloPlugins: features.flatMap((feature) => feature.apolloPlugins ?? []),
    apolloOptions: Object.assign({}, ...features.map((feature) => feature.apolloOptions ?? {})) as ApolloOptions,
    formatError: (formatted, error) => formatters.reduce((result, format) => format(result, error), formatted),
    healthChecks: () => features.flatMap((feature) => (typeof feature.healthChecks === 'function' ? feature.healthChecks() : (feature.healthChecks ?? []))),
    schemaChanged(schema) {
      for (const feature of features) feature.schemaChanged?.(schema);
    },
    warmUp(warm) {
      for (const feature of features) feature.warmUp?.(warm);
    },
    // A start that fails stops the start: nothing listens.
    async start() {
      for (const feature of features) await feature.start?.();
    },
    drain: () => inSequence(reversed, (feature) => feature.drain?.()),
    stop: () => inSequence(reversed, (feature) => feature.stop?.()),
  };
}
