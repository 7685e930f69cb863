// @apollo/gateway's executor as the oracle of the differential tests (it is no setting of the
// gateway's): a plain @apollo/gateway on @apollo/server over the same supergraph and subgraphs.
// What the gateway put in front of both executors when it could run either is kept here too, so a
// comparison still differs only in how a query plan is executed: the same subgraph fetch layers
// (resilience and transport: credentials, request id, retries, SUBGRAPH_UNAVAILABLE), the same viewer verification, error
// formatting and codes, operation limits and Retry-After/503 on SERVICE_UNAVAILABLE, over HTTP.
// Left out: rate limits, trusted documents, the entity cache, subscriptions, @defer (not
// @apollo/gateway's), which the tests comparing against it turn off or do not use.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { Registry } from 'prom-client';
import { createApolloHandler } from '../../common/http/apollo-handler.ts';
import { createLogger } from '../../common/logger.ts';
import { maskUnexpectedErrors } from '../../common/plugins/mask-errors.ts';
import { logUnexpectedErrorsPlugin } from '../../common/plugins/log-unexpected-errors-plugin.ts';
import { createAccessTokenVerifier } from '../../gateway/auth/access-token-verifier.ts';
import type { GatewayConfig } from '../../gateway/config.ts';
import type { GatewayContext } from '../../gateway/context.ts';
import { requestIdPlugin } from '../../gateway/plugins/request-id-plugin.ts';
import { serviceUnavailablePlugin } from '../../gateway/plugins/service-unavailable-plugin.ts';
import { operationLimitsPlugin } from '../../gateway/protection/operation-limits-plugin.ts';
import { withTokenLimitCode } from '../../gateway/protection/token-limit-errors.ts';
import { requestIdOf } from '../../gateway/request-id.ts';
import { SubgraphDataSource } from '../../gateway/fetch/apollo-data-source.ts';
import { createFetchPipeline } from '../../gateway/fetch/pipeline.ts';
import { createSubgraphTransport } from '../../gateway/fetch/transport.ts';
import { createResilience } from '../../gateway/resilience/resilience.ts';
import { withApqMismatchCode } from '../../gateway/trusted-documents/apq-mismatch.ts';

export interface ApolloOracle {
  /** Its /graphql. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the oracle on a loopback port, configured as the gateway it is compared with (`config`). */
export async function startApolloOracle(config: GatewayConfig, supergraphSdl: string): Promise<ApolloOracle> {
  const log = createLogger('gateway', 'silent');
  // The gateway's always-on fetch layers: resilience over the transport.
  const subgraphs = Object.keys(config.subgraphs);
  const fetchFeatures = [
    createResilience({ resilience: config.resilience, subgraphs: config.subgraphs }, { registry: new Registry() }),
    createSubgraphTransport({ subgraphs: config.subgraphs, timeoutMs: config.subgraphTimeoutMs, connections: config.resilience.maxConcurrent }),
  ];
  const fetcher = createFetchPipeline(fetchFeatures, subgraphs);
  const gateway = new ApolloGateway({ supergraphSdl, logger: log, buildService: ({ name }) => new SubgraphDataSource(fetcher, name) });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    formatError: withApqMismatchCode(withTokenLimitCode(maskUnexpectedErrors())),
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    csrfPrevention: false,
    plugins: [requestIdPlugin(), logUnexpectedErrorsPlugin(), operationLimitsPlugin(config.operationLimits), serviceUnavailablePlugin()],
  });
  await apollo.start();
  const viewerFrom = createAccessTokenVerifier(config.jwt);
  const handle = createApolloHandler(apollo, {
    maxBodyBytes: config.maxBodyBytes,
    service: 'apollo-oracle',
    context: async (req) => {
      const requestId = requestIdOf(req, config.trustedProxies);
      return { viewer: await viewerFrom(req.headers.authorization), requestId, log: log.child({ requestId }) };
    },
  });
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      for (const feature of fetchFeatures.toReversed()) await feature.stop?.();
    },
  };
}
