import { readFile } from 'node:fs/promises';
import { createLogger } from '../common/logger.ts';
import type { MessageBus } from '../common/messaging/message-bus.ts';
import { createMessageBus } from '../common/messaging/messaging-config.ts';
import { createMetrics, type ServiceMetrics } from '../common/metrics.ts';
import type { GatewayConfig } from './config.ts';
import { createGatewayServer } from './server.ts';
import { loadPlugins } from './config-file/plugins.ts';

export interface StartGatewayOptions {
  /** A bus shared with the services of this process (`npm start`, tests); by default one is made from `config.messaging`. */
  readonly bus?: MessageBus;
  /** Its metrics (a cluster worker's are labelled with its slot); by default a registry of its own. */
  readonly metrics?: ServiceMetrics;
}

/** Reads the composed supergraph and starts the gateway; resolves to its base URL and a stop. */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}) {
  const log = createLogger('gateway', config.logLevel, config.logFormat);
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8');
  const bus = options.bus ?? (await createMessageBus(config.messaging, log, { connectionName: 'gateway' }));
  const closeBus = () => (options.bus ? Promise.resolve() : bus.close());
  try {
    const metrics = options.metrics ?? createMetrics('gateway');
    // The configuration file's plugins, made before the server: a bad one stops the start.
    const plugins = await loadPlugins(config.plugins, { config, log, registry: metrics.registry });
    const server = createGatewayServer({ config, supergraphSdl, log, metrics, bus, plugins });
    const url = await server.listen(config.port, config.host);
    log.info({ url: `${url}/graphql` }, 'gateway listening');
    return {
      url,
      server,
      async stop() {
        await server.stop();
        await closeBus();
      },
    };
  } catch (error) {
    await closeBus();
    throw error;
  }
}
