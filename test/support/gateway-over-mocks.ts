// A gateway over mock subgraphs: `schemas` composed with the mocks' URLs, started on a loopback port
// with an in-process bus; `env` goes on top of the test defaults (e.g. GATEWAY_BATCH_FETCHES), `plugins`
// are features added to the gateway's own (createGatewayServer's `plugins`).
// `startOracleOverMocks`: @apollo/gateway's executor over the same, configured alike (apollo-oracle.ts).
import { composeServices } from '@apollo/composition';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/config.ts';
import type { GatewayFeature } from '../../gateway/feature.ts';
import { createGatewayServer } from '../../gateway/server.ts';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';
import { startApolloOracle } from './apollo-oracle.ts';
import type { MockSubgraphs } from './mock-subgraphs.ts';

export interface GatewayOverMocks {
  /** The gateway's /graphql. */
  readonly url: string;
  stop(): Promise<void>;
}

function setUp(mocks: MockSubgraphs, schemas: Readonly<Record<string, string>>, env: Readonly<Record<string, string>>): { config: GatewayConfig; supergraphSdl: string } {
  const urls = Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  const composed = composeServices(Object.entries(schemas).map(([name, sdl]) => ({ name, url: urls[name]!, typeDefs: graphqlRuntime.parse(sdl) })));
  if (!composed.supergraphSdl) throw new Error(`does not compose: ${String(composed.errors)}`);
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
    ...env,
  });
  return { config, supergraphSdl: composed.supergraphSdl };
}

export async function startGatewayOverMocks(
  mocks: MockSubgraphs,
  schemas: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string>> = {},
  plugins: readonly GatewayFeature[] = [],
): Promise<GatewayOverMocks> {
  const { config, supergraphSdl } = setUp(mocks, schemas, env);
  const bus = createInProcessBus({ log: createLogger('test', 'silent') });
  const server = createGatewayServer({ config, supergraphSdl, log: createLogger('gateway', 'silent'), metrics: createMetrics('gateway'), bus, plugins });
  const url = `${await server.listen(0, '127.0.0.1')}/graphql`;
  return {
    url,
    async stop() {
      await server.stop();
      await bus.close();
    },
  };
}

export async function startOracleOverMocks(mocks: MockSubgraphs, schemas: Readonly<Record<string, string>>, env: Readonly<Record<string, string>> = {}): Promise<GatewayOverMocks> {
  const { config, supergraphSdl } = setUp(mocks, schemas, env);
  return startApolloOracle(config, supergraphSdl);
}
