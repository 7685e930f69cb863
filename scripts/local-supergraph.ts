import { createLogger } from '../common/logger.ts';
import type { MessageBus } from '../common/messaging/message-bus.ts';
import { createMessageBus, loadMessagingConfig } from '../common/messaging/messaging-config.ts';
import { startSubgraph, type RunningSubgraph } from '../common/service/start-subgraph.ts';
import type { PrismaHandle } from '../common/service/subgraph-module.ts';
import { loadGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { subgraphModules } from '../subgraphs/index.ts';

export interface LocalSupergraphOptions {
  /** The environment every service reads (defaults to process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Ephemeral ports on 127.0.0.1 instead of the standard 4000-4007 (tests). */
  readonly ephemeralPorts?: boolean;
  /** A bus the caller owns (tests); by default one is made from the environment and closed on stop. */
  readonly bus?: MessageBus;
}

export interface LocalSupergraph {
  readonly gatewayUrl: string;
  /** The running subgraphs by name (a stopped one is absent until started again). */
  readonly subgraphs: Readonly<Record<string, RunningSubgraph<PrismaHandle>>>;
  readonly bus: MessageBus;
  /** Stops one subgraph as a crash would take it away; its data and queued messages stay. */
  stopSubgraph(name: string): Promise<void>;
  /** Starts a stopped subgraph again on the same port, database and bus. */
  startSubgraph(name: string): Promise<void>;
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
  // One bus for every service in this process: the in-process default only connects services
  // that share it; with AMQP_URL it is one connection instead of seven.
  const bus = options.bus ?? (await createMessageBus(loadMessagingConfig(env), createLogger('messaging', 'warn')));
  const closeBus = () => (options.bus ? Promise.resolve() : bus.close());
  const running: Record<string, RunningSubgraph<PrismaHandle>> = {};
  const ports: Record<string, string> = {};
  const start = async (name: string) => {
    const module = subgraphModules.find((candidate) => candidate.name === name);
    if (!module) throw new Error(`no subgraph named ${name}`);
    const port = ports[name] ? { PORT: ports[name] } : {};
    const subgraph = await startSubgraph(module, module.loadConfig({ ...env, ...portEnv, ...port }), { bus });
    ports[name] = new URL(subgraph.url).port;
    running[name] = subgraph;
  };
  const stopAllSubgraphs = () => Promise.allSettled(Object.values(running).map((subgraph) => subgraph.stop()));
  try {
    await Promise.all(subgraphModules.map((module) => start(module.name)));
    const urls = Object.fromEntries(
      Object.values(running).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]),
    );
    const accountsUrl = running['accounts']?.url;
    const gateway = await startGateway(
      loadGatewayConfig({ ...env, ...portEnv, ...urls, ...(accountsUrl ? { JWKS_URL: `${accountsUrl}/.well-known/jwks.json` } : {}) }),
      { bus },
    );
    return {
      gatewayUrl: `${gateway.url}/graphql`,
      subgraphs: running,
      bus,
      async stopSubgraph(name) {
        const subgraph = running[name];
        delete running[name];
        await subgraph?.stop();
      },
      startSubgraph: start,
      async stop() {
        await gateway.stop();
        await stopAllSubgraphs();
        await closeBus();
      },
    };
  } catch (error) {
    await stopAllSubgraphs();
    await closeBus();
    throw error;
  }
}
