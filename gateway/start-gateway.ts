import { readFile } from 'node:fs/promises';
import { createLogger } from '../common/logger.ts';
import { createMetrics } from '../common/metrics.ts';
import type { GatewayConfig } from './config.ts';
import { createGatewayServer } from './server.ts';

/** Reads the composed supergraph and starts the gateway; resolves to its base URL and a stop. */
export async function startGateway(config: GatewayConfig) {
  const log = createLogger('gateway', config.logLevel);
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8');
  const server = createGatewayServer({ config, supergraphSdl, log, metrics: createMetrics('gateway') });
  const url = await server.listen(config.port, config.host);
  log.info({ url: `${url}/graphql` }, 'gateway listening');
  return { url, stop: () => server.stop() };
}
