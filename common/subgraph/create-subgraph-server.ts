import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type DocumentNode } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { ErrorCode } from '../errors.ts';
import { GATEWAY_CREDENTIAL_HEADER, GatewayCredentialError, verifyGatewayCredential } from '../gateway-credential.ts';
import type { HealthCheck } from '../health.ts';
import { createApolloHandler } from '../http/apollo-handler.ts';
import { HttpError } from '../http/http-error.ts';
import { parseCookies } from '../http/cookies.ts';
import { createHttpService, type HttpService, type RequestHandler } from '../http/service-server.ts';
import type { Logger } from '../logger.ts';
import type { ServiceMetrics } from '../metrics.ts';
import { maskUnexpectedErrors } from '../plugins/mask-errors.ts';
import { metricsPlugin } from '../plugins/metrics-plugin.ts';
import { logUnexpectedErrorsPlugin } from '../plugins/log-unexpected-errors-plugin.ts';
import type { SubgraphContext } from './context.ts';
import { readSubgraphSdl } from './shared-definitions.ts';
import { subgraphShield, type ShieldRules } from './permissions.ts';
import type { SubgraphConfig } from '../service/subgraph-config.ts';

export interface SubgraphServerOptions<TContext extends SubgraphContext> {
  readonly name: string;
  readonly typeDefs: DocumentNode;
  /** The service's codegen-typed resolver map. */
  readonly resolvers: object;
  readonly permissions: ShieldRules;
  /** What the runner hands every service: its config (gateway secret, body limit), log, metrics, health checks. */
  readonly dependencies: {
    readonly config: Pick<SubgraphConfig, 'gatewaySecret' | 'maxBodyBytes' | 'shutdownGraceMs' | 'healthCheckTimeoutMs'>;
    readonly log: Logger;
    readonly metrics: ServiceMetrics;
    readonly health: readonly HealthCheck[];
  };
  /** Adds the service's own per-request parts (Prisma client, DataLoaders) to the shared context. */
  readonly extendContext: (base: SubgraphContext) => TContext;
  readonly routes?: Readonly<Record<string, RequestHandler>>;
}

export interface SubgraphServer {
  readonly http: HttpService;
  /** Starts Apollo and the HTTP listener; resolves to the base URL. */
  listen(port: number, host: string): Promise<string>;
  stop(): Promise<void>;
}

/** Writes the Set-Cookie values resolvers added to the context (one header line each: common/http/apollo-handler.ts). */
const setCookiesPlugin = <TContext extends SubgraphContext>(): ApolloServerPlugin<TContext> => ({
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (contextValue.setCookies && contextValue.setCookies.length > 0) response.http.headers.set('set-cookie', contextValue.setCookies.join('\n'));
      },
    };
  },
});

/** Builds a subgraph's HTTP server. Nothing happens until `listen`. */
export function createSubgraphServer<TContext extends SubgraphContext>(options: SubgraphServerOptions<TContext>): SubgraphServer {
  const { config, log, metrics, health } = options.dependencies;
  const schema = applyMiddleware(
    // Codegen's resolver types are stricter than the map @apollo/subgraph declares; the shape is the same.
    buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
    subgraphShield(options.permissions),
  );
  const apollo = new ApolloServer<TContext>({
    schema,
    // Our stopOnSignals owns shutdown; Apollo's own handler would stop the server and re-raise the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: maskUnexpectedErrors(),
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), metricsPlugin(metrics), logUnexpectedErrorsPlugin(), setCookiesPlugin<TContext>()],
  });

  const context = async (req: IncomingMessage): Promise<TContext> => {
    const header = req.headers[GATEWAY_CREDENTIAL_HEADER];
    try {
      const assertion = await verifyGatewayCredential(Array.isArray(header) ? header[0] : header, options.name, config.gatewaySecret);
      const requestId = assertion.requestId === 'unknown' ? randomUUID() : assertion.requestId;
      return options.extendContext({
        viewer: assertion.viewer,
        requestId,
        log: log.child({ requestId }),
        cookies: parseCookies(Array.isArray(req.headers.cookie) ? req.headers.cookie.join('; ') : req.headers.cookie),
        setCookies: [],
      });
    } catch (error) {
      if (!(error instanceof GatewayCredentialError)) throw error;
      log.warn({ reason: error.message }, 'refused a request without a valid gateway credential');
      throw new HttpError(401, ErrorCode.unauthenticated, `The ${options.name} subgraph only accepts requests from the gateway.`);
    }
  };

  const http = createHttpService({
    log,
    graphql: createApolloHandler(apollo, { context, maxBodyBytes: config.maxBodyBytes, service: options.name }),
    health,
    metrics: metrics.registry,
    shutdownGraceMs: config.shutdownGraceMs,
    healthCheckTimeoutMs: config.healthCheckTimeoutMs,
    ...(options.routes ? { routes: options.routes } : {}),
  });

  return {
    http,
    async listen(port, host) {
      await apollo.start();
      return http.listen(port, host);
    },
    async stop() {
      await http.close();
      await apollo.stop();
    },
  };
}

/** A subgraph's SDL, read from the `schema.graphql` beside the module that asks, with the shared directive definitions it links. */
export const loadTypeDefs = (moduleUrl: string): DocumentNode => parse(readSubgraphSdl(new URL('./schema.graphql', moduleUrl)));
