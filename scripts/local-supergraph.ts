import { logFormat, nodeEnv, parseEnv } from '../common/config.ts';
import { createLogger, defaultLogFormat } from '../common/logger.ts';
import type { MessageBus } from '../common/messaging/message-bus.ts';
import { createMessageBus, loadMessagingConfig } from '../common/messaging/messaging-config.ts';
import { startSubgraph, type RunningSubgraph } from '../common/service/start-subgraph.ts';
import { SERVICE_PORTS, type SubgraphName } from '../common/service/subgraph-config.ts';
import type { PrismaHandle } from '../common/service/subgraph-module.ts';
import { loadGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { SESSION_HEADER_RULES } from '../subgraphs/accounts/domain/session-cookie.ts';

const messagingLogFormat = (env: Record<string, string | undefined>) => {
  const { NODE_ENV, LOG_FORMAT } = parseEnv({ NODE_ENV: nodeEnv, LOG_FORMAT: logFormat }, env);
  return defaultLogFormat(NODE_ENV, LOG_FORMAT);
};

export interface LocalSupergraphOptions {
  /** The environment every service reads (defaults to process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Ephemeral ports on 127.0.0.1 instead of the standard 4000-4007 (tests). */
  readonly ephemeralPorts?: boolean;
  /** A bus the caller owns (tests); by default one is made from the environment and closed on stop. */
  readonly bus?: MessageBus;
  /** The gateway's port; each subgraph's is at its standard offset from it (4000-4007 by default). */
  readonly basePort?: number;
  /** Each subgraph's gateway secret (SUBGRAPH_SECRET to it, SUBGRAPH_SECRET_<NAME> to the gateway); unset: the environment's. */
  readonly subgraphSecrets?: Readonly<Partial<Record<SubgraphName, string>>>;
  /** Told as each service starts listening (progress for a person watching `npm start`). */
  readonly onServiceReady?: (service: string, url: string, startMs: number) => void;
}

export interface LocalSupergraph {
  readonly gatewayUrl: string;
  /** The running subgraphs by name (a stopped one is absent until started again). */
  readonly subgraphs: Readonly<Record<string, RunningSubgraph<PrismaHandle>>>;
  readonly bus: MessageBus;
  /** Stops one subgraph as a crash would take it away; its data and queued messages stay. */
  stopSubgraph(name: string): Promise<void>;
  /** Starts a stopped subgraph again on the same port, database and bus; `env` over the supergraph's own for this run of it (a test's setting). */
  startSubgraph(name: string, env?: Readonly<Record<string, string>>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs every subgraph and the gateway in this process, each on its own port, each with its own
 * database: what `npm start` and the end-to-end tests use. Each service's own entry point
 * (`subgraphs/<name>/main.ts`) runs it alone instead.
 */
export async function startLocalSupergraph(options: LocalSupergraphOptions = {}): Promise<LocalSupergraph> {
  const env = options.env ?? process.env;
  const basePort = options.basePort ?? SERVICE_PORTS.gateway;
  const portEnv = (service: keyof typeof SERVICE_PORTS): Record<string, string> =>
    options.ephemeralPorts ? { PORT: '0', HOST: '127.0.0.1' } : { PORT: String(basePort + SERVICE_PORTS[service] - SERVICE_PORTS.gateway) };
  const secrets = options.subgraphSecrets ?? {};
  const began = performance.now();
  // One bus for every service in this process: the in-process default only connects services
  // that share it; with AMQP_URL it is one connection instead of seven.
  const bus = options.bus ?? (await createMessageBus(loadMessagingConfig(env), createLogger('messaging', 'warn', messagingLogFormat(env))));
  const closeBus = () => (options.bus ? Promise.resolve() : bus.close());
  const running: Record<string, RunningSubgraph<PrismaHandle>> = {};
  const ports: Record<string, string> = {};
  const start = async (name: string, ownEnv: Readonly<Record<string, string>> = {}) => {
    const module = subgraphModules.find((candidate) => candidate.name === name);
    if (!module) throw new Error(`no subgraph named ${name}`);
    const port = ports[name] ? { PORT: ports[name] } : {};
    const secret = secrets[module.name] ? { SUBGRAPH_SECRET: secrets[module.name] } : {};
    const subgraph = await startSubgraph(module, module.loadConfig({ ...env, ...ownEnv, ...portEnv(module.name), ...port, ...secret }), { bus });
    ports[name] = new URL(subgraph.url).port;
    running[name] = subgraph;
    options.onServiceReady?.(name, subgraph.url, performance.now() - began);
  };
  const stopAllSubgraphs = () => Promise.allSettled(Object.values(running).map((subgraph) => subgraph.stop()));
  try {
    // Every start settles before a failure is reported, so that none is left running behind it.
    const started = await Promise.allSettled(subgraphModules.map((module) => start(module.name)));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const urls = Object.fromEntries(Object.values(running).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
    const accountsUrl = running['accounts']?.url;
    const gatewaySecrets = Object.fromEntries(Object.entries(secrets).map(([name, secret]) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, secret]));
    const gateway = await startGateway(
      loadGatewayConfig({
        // The session cookie between browsers and accounts, unless the environment says otherwise (docs/sessions.md).
        GATEWAY_HEADER_RULES: JSON.stringify(SESSION_HEADER_RULES),
        ...env,
        ...portEnv('gateway'),
        ...urls,
        ...gatewaySecrets,
        ...(accountsUrl ? { JWKS_URL: `${accountsUrl}/.well-known/jwks.json` } : {}),
      }),
      { bus },
    );
    options.onServiceReady?.('gateway', gateway.url, performance.now() - began);
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
