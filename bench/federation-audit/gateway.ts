/**
 * Our gateway as The Guild's federation gateway audit runs a gateway: started by the audit's
 * run script in a directory holding that suite's `supergraph.graphql`, serving
 * http://127.0.0.1:4000/graphql (health: /health/ready). The whole gateway of gateway/server.ts,
 * with the suite's subgraphs (named and located by the supergraph's `join__graph`) added to the
 * configured ones; rate limits off and operation limits raised (the audit tests federation, not
 * those).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { loadGatewayConfig, type GatewayConfig, type SubgraphEndpoint } from '../../gateway/config.ts';
import { createGatewayServer } from '../../gateway/server.ts';

const supergraphSdl = await readFile(resolve(process.argv[2] ?? 'supergraph.graphql'), 'utf8');
const port = Number(process.env['AUDIT_GATEWAY_PORT'] ?? 4000);

const config = loadGatewayConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
  SUPERGRAPH_WATCH: 'false',
  // The audit's operations are its own, none of our clients'.
  PERSISTED_DOCUMENTS: 'off',
  RATE_LIMIT_ENABLED: 'false',
  SUBGRAPH_RETRIES: '0',
  MAX_QUERY_DEPTH: '100',
  MAX_QUERY_ALIASES: '10000',
  MAX_QUERY_DIRECTIVES: '10000',
  MAX_QUERY_TOKENS: '1000000',
  MAX_QUERY_COST: '100000000',
});
// The suite's subgraphs, as the supergraph names and locates them (they ignore our credential).
const auditSubgraphs: Record<string, SubgraphEndpoint> = {};
for (const [, name, url] of supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)) {
  auditSubgraphs[name as string] = { url: url as string, secret: 'federation-audit-subgraph', secretVariable: `SUBGRAPH_SECRET_${(name as string).toUpperCase()}` };
}
const subgraphs = { ...config.subgraphs, ...auditSubgraphs } as GatewayConfig['subgraphs'];

const log = createLogger('gateway', config.logLevel);
const bus = createInProcessBus({ log });
const server = createGatewayServer({ config: { ...config, subgraphs }, supergraphSdl, log, metrics: createMetrics('gateway'), bus });
const url = await server.listen(port, '127.0.0.1');
process.stdout.write(`federation audit gateway at ${url}/graphql\n`);

const stop = async () => {
  await server.stop();
  await bus.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
