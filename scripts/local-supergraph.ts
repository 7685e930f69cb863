import { loadGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { databaseUrlVariable, type SubgraphName } from '../common/service/subgraph-config.ts';
import { startSubgraph, type RunningSubgraph } from '../common/service/start-subgraph.ts';
import type { PrismaHandle } from '../common/service/subgraph-module.ts';
import { subgraphModules } from '../subgraphs/index.ts';

export interface LocalSupergraphOptions {
  /** The environment every service reads (defaults to process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Ephemeral ports on 127.0.0.1 instead of the standard 4000-4007 (tests). */
  readonly ephemeralPorts?: boolean;
}

export interface LocalSupergraph {
  readonly gatewayUrl: string;
  readonly subgraphs: Readonly<Record<string, RunningSubgraph<PrismaHandle>>>;
  stop(): Promise<void>;
}

/**
 * Runs every subgraph and the gateway in this process, each on its own port, each with its own
 * database: what `npm start` and the end-to-end tests use. Each service's own entry point
 * (`subgraphs/<name>/main.ts`) runs it alone instead.
 */
export async function startLocalSupergraph(options: LocalSupergraphOptions = {}): Promise<LocalSupergraph> {
  const env = options.env ?? process.env;
  const portEnv = options.ephemeralPorts ? { PORT: '0', HOST: '127.0.0.1' } : {};
  const running: RunningSubgraph<PrismaHandle>[] = [];
  try {
    const started = await Promise.all(
      subgraphModules.map(async (module) => {
        const subgraph = await startSubgraph(module, module.loadConfig({ ...env, ...portEnv }));
        running.push(subgraph);
        return subgraph;
      }),
    );
    const urls = Object.fromEntries(started.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
    const accountsUrl = started.find((subgraph) => subgraph.name === 'accounts')?.url;
    const gateway = await startGateway(
      loadGatewayConfig({ ...env, ...portEnv, ...urls, ...(accountsUrl ? { JWKS_URL: `${accountsUrl}/.well-known/jwks.json` } : {}) }),
    );
    return {
      gatewayUrl: `${gateway.url}/graphql`,
      subgraphs: Object.fromEntries(started.map((subgraph) => [subgraph.name, subgraph])),
      async stop() {
        await gateway.stop();
        await Promise.all(started.map((subgraph) => subgraph.stop()));
      },
    };
  } catch (error) {
    await Promise.allSettled(running.map((subgraph) => subgraph.stop()));
    throw error;
  }
}

export const databaseVariables = (urls: Partial<Record<SubgraphName, string>>) =>
  Object.fromEntries(Object.entries(urls).map(([name, url]) => [databaseUrlVariable(name as SubgraphName), url]));
