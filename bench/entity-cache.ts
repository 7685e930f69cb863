// `npm run bench:cache`: catalog browsing and the product page through two gateway processes over
// the same subgraphs in the same run, one with the entity cache off and one with it on (its Redis
// store on PostgreSQL, RabbitMQ and Redis; BENCH_INFRASTRUCTURE=embedded for the memory store on
// PGlite). Reports requests/s, p50/p99, SQL statements per request and the ratio on/off, alternating
// off and on so a change in the machine's load falls on both; writes its section of results.md.
import { readFile, writeFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { demoProducts } from '../prisma/seed-data.ts';
import { ProductDocument, ProductsDocument } from '../sdk/index.ts';
import { readCounter } from '../test/support/metrics.ts';
import { gatewayEnvFor, startGatewayProcess } from '../test/support/service-process.ts';
import { startTestSupergraph } from '../test/support/test-supergraph.ts';
import { NODE_SECTION, loadAverage, machineDescription } from './machine.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const CONNECTIONS = 16;
const mode = process.env['BENCH_INFRASTRUCTURE'] === 'embedded' ? 'embedded' : 'postgres';
export const CACHE_SECTION_START = '<!-- entity-cache:start -->';
export const CACHE_SECTION_END = '<!-- entity-cache:end -->';

const supergraph = await startTestSupergraph({ mode, env: { LOG_LEVEL: 'silent', ENTITY_CACHE_ENABLED: 'false' } });
const shared = {
  ...gatewayEnvFor(supergraph),
  ...Object.fromEntries(
    ['AMQP_URL', 'AMQP_EXCHANGE', 'AMQP_QUEUE_PREFIX', 'REDIS_URL', 'RATE_LIMIT_KEY_PREFIX', 'ENTITY_CACHE_KEY_PREFIX'].flatMap((name) =>
      supergraph.env[name] ? [[name, supergraph.env[name]]] : [],
    ),
  ),
  RATE_LIMIT_ENABLED: 'false',
};
const [off, on] = await Promise.all([startGatewayProcess({ ...shared, ENTITY_CACHE_ENABLED: 'false' }), startGatewayProcess({ ...shared, ENTITY_CACHE_ENABLED: 'true' })]);

const sqlStatements = async () => {
  const counts = await Promise.all(Object.values(supergraph.subgraphs).map((subgraph) => readCounter(subgraph.url, 'db_sql_statements_total', 'source="request"')));
  return counts.reduce((sum, count) => sum + count, 0);
};

interface Measured {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly sqlPerRequest: number;
}

async function measure(url: string, body: string | (() => string)): Promise<Measured> {
  const sqlBefore = await sqlStatements();
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json' },
    ...(typeof body === 'string' ? { body } : { requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }] }),
  });
  const requests = result.requests.total || 1;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    sqlPerRequest: ((await sqlStatements()) - sqlBefore) / requests,
  };
}

const browse = JSON.stringify({ query: print(ProductsDocument), operationName: 'Products', variables: { first: 20 } });
// The product page of 20 products in turn (their pages, their stock).
let next = 0;
const page = () => JSON.stringify({ query: print(ProductDocument), operationName: 'Product', variables: { id: demoProducts[next++ % 20]!.id } });
const scenarios = [
  { name: 'catalog browsing (anonymous, 20 products)', body: browse },
  { name: 'product page (anonymous, 20 products in turn)', body: page },
] as const;

const combined = (runs: readonly Measured[]): Measured => ({
  rps: runs.reduce((sum, run) => sum + run.rps, 0) / runs.length,
  p50: Math.max(...runs.map((run) => run.p50)),
  p99: Math.max(...runs.map((run) => run.p99)),
  errors: runs.reduce((sum, run) => sum + run.errors, 0),
  sqlPerRequest: runs.reduce((sum, run) => sum + run.sqlPerRequest, 0) / runs.length,
});
const rows: string[] = [];
const loads: string[] = [];
for (const scenario of scenarios) {
  // Warm-up of both: plans made, the cache filled.
  await measure(off.url, scenario.body);
  await measure(on.url, scenario.body);
  const offRuns: Measured[] = [];
  const onRuns: Measured[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    offRuns.push(await measure(off.url, scenario.body));
    onRuns.push(await measure(on.url, scenario.body));
  }
  loads.push(loadAverage());
  const [a, b] = [combined(offRuns), combined(onRuns)];
  rows.push(
    `| ${scenario.name} | ${a.rps.toFixed(0)} | ${a.p50} / ${a.p99} | ${a.sqlPerRequest.toFixed(2)} | ${a.errors} | ${b.rps.toFixed(0)} | ${b.p50} / ${b.p99} | ${b.sqlPerRequest.toFixed(2)} | ${b.errors} | ${(b.rps / a.rps).toFixed(2)} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}

const hits = await readCounter(new URL('/', on.url).toString().replace(/\/$/, ''), 'gateway_entity_cache_lookups_total', 'outcome="hit"');
const table = [
  '| scenario | off req/s | off p50 / p99 ms | off SQL/request | errors | on req/s | on p50 / p99 ms | on SQL/request | errors | ratio on/off |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const section = `${CACHE_SECTION_START}
## Entity cache

\`npm run bench:cache\`: two gateway processes over the same subgraphs, entity cache off and on (${mode === 'postgres' ? 'its Redis store; PostgreSQL, RabbitMQ and Redis on loopback' : 'its memory store; embedded PGlite and the in-process bus'}), rate limiting off on both; ${CONNECTIONS} connections, ${ROUNDS} runs of ${SECONDS} s each, off and on alternated after a warm-up of both (req/s and SQL averaged, the worst p50 and p99). Client, gateways and subgraphs share the machine. ${hits} cache hits in all.

${table}

Machine: ${machineDescription()}; load average after each scenario ${loads.join(', then ')} (1/5/15 min).
Run: ${new Date().toISOString()}.
${CACHE_SECTION_END}`;
const resultsUrl = new URL('./results.md', import.meta.url);
const text = await readFile(resultsUrl, 'utf8');
const start = text.indexOf(CACHE_SECTION_START);
const end = text.indexOf(CACHE_SECTION_END);
// Before the Node comparison, which bench/throughput.ts keeps as the file's tail.
const node = text.indexOf(NODE_SECTION);
await writeFile(
  resultsUrl,
  start >= 0 && end > start
    ? `${text.slice(0, start)}${section}${text.slice(end + CACHE_SECTION_END.length)}`
    : node >= 0
      ? `${text.slice(0, node)}${section}\n\n${text.slice(node)}`
      : `${text.trimEnd()}\n\n${section}\n`,
);
process.stdout.write(`\n${table}\n`);
await Promise.all([off.stop(), on.stop()]);
await supergraph.stop();
process.exit(0);
