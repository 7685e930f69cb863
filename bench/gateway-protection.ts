// The cost of the gateway's protections: the same catalog-browsing query against two gateways in
// front of the same subgraphs, one with every protection on (rate limiting in Redis when
// REDIS_URL is set, else in memory; operation limits; token verification) and one with rate
// limiting off and limits out of reach. Runs alternate (off, on, off, on) so both see the same
// machine; the report is the ratio on/off. Loopback only, bounded in time.
//
//   npm run bench:protection                  # embedded supergraph, in-memory limiter
//   REDIS_URL=redis://127.0.0.1:6379 npm run bench:protection
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { startLocalSupergraph } from '../scripts/local-supergraph.ts';
import { logInAsCustomer } from '../test/support/sessions.ts';
import { machineDescription } from './machine.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const CONNECTIONS = 16;
const QUERY = JSON.stringify({
  query: '{ products(first: 20, filter: { categorySlug: "coffee" }) { edges { node { id name price { amount currency } inventory { available } inStock } } } }',
});

const dataDir = await mkdtemp(join(os.tmpdir(), 'bench-protection-'));
const redis = process.env['REDIS_URL'];
const supergraph = await startLocalSupergraph({
  ephemeralPorts: true,
  env: {
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ...(redis ? { REDIS_URL: redis, RATE_LIMIT_KEY_PREFIX: `bench-${Date.now()}` } : {}),
    RATE_LIMIT_USER_POINTS: '1000000000',
  },
});
const subgraphUrls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
const unprotected = await startGateway(
  loadGatewayConfig({
    ...subgraphUrls,
    JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    MAX_QUERY_DEPTH: '1000',
    MAX_QUERY_ALIASES: '100000',
    MAX_QUERY_DIRECTIVES: '100000',
    MAX_QUERY_TOKENS: '10000000',
    MAX_QUERY_COST: '1000000000',
    MAX_PAGE_SIZE: '100000',
  }),
  { bus: supergraph.bus },
);
const session = await logInAsCustomer(supergraph.gatewayUrl);

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}
const load = async (url: string): Promise<Run> => {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: QUERY,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
};

const gateways = { off: `${unprotected.url}/graphql`, on: supergraph.gatewayUrl };
await load(gateways.off); // warm-up: plans cached, connections open, JIT warm
await load(gateways.on);
const runs: Record<'on' | 'off', Run[]> = { on: [], off: [] };
for (let round = 0; round < 2; round += 1) {
  runs.off.push(await load(gateways.off));
  runs.on.push(await load(gateways.on));
}
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const summary = (side: 'on' | 'off') => ({
  rps: mean(runs[side].map((run) => run.rps)),
  p50: mean(runs[side].map((run) => run.p50)),
  p99: mean(runs[side].map((run) => run.p99)),
  errors: runs[side].reduce((sum, run) => sum + run.errors, 0),
});
const on = summary('on');
const off = summary('off');
const ratio = on.rps / off.rps;

const machine = `${machineDescription()}; load average at the end ${os
  .loadavg()
  .map((load) => load.toFixed(1))
  .join(' / ')} (1/5/15 min)`;
const table = [
  '| gateway | requests/s | p50 ms | p99 ms | errors |',
  '| --- | --- | --- | --- | --- |',
  `| protections off | ${off.rps.toFixed(0)} | ${off.p50} | ${off.p99} | ${off.errors} |`,
  `| protections on (${redis ? 'Redis' : 'in-memory'} limiter) | ${on.rps.toFixed(0)} | ${on.p50} | ${on.p99} | ${on.errors} |`,
].join('\n');
process.stdout.write(`\n${table}\n\nthroughput ratio on/off: ${ratio.toFixed(2)}\n${machine}\n`);
await writeFile(
  new URL('./results-protection.md', import.meta.url),
  `# Gateway protections: cost\n\nCatalog browsing (20 products with stock, signed-in customer), ${CONNECTIONS} connections, ${SECONDS} s per run, runs alternating off/on twice after a warm-up, embedded subgraphs in the same process (client, gateways and subgraphs share the CPUs).\n\n${table}\n\n**Throughput ratio, protections on / off: ${ratio.toFixed(2)}** (target: at least 0.85).\n\nMachine: ${machine}.\nRun: ${new Date().toISOString()}.\n`,
);
await unprotected.stop();
await supergraph.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
