// `npm run bench`: the running supergraph under load, ours against a bare @apollo/gateway over the
// same subgraphs in the same run: catalog browsing, the dashboard, and placeOrder. Reports
// requests/s, p50 and p99 latency, SQL statements per request, and the ratio ours/bare. The
// supergraph runs on the machine's PostgreSQL, RabbitMQ and Redis (BENCH_INFRASTRUCTURE=embedded
// for PGlite and the in-process bus), in databases and queues of its own that it removes.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { demoProducts } from '../prisma/seed-data.ts';
import { ProductsDocument, persistedDocumentIdOf } from '../sdk/index.ts';
import { readCounter } from '../test/support/metrics.ts';
import { logInAsCustomer } from '../test/support/sessions.ts';
import { startTestSupergraph } from '../test/support/test-supergraph.ts';
import { startBareGateway } from './bare-gateway.ts';
import { NODE_SECTION, machineDescription } from './machine.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
// bench/node-versions.ts runs some scenarios under each Node and takes the numbers as JSON.
const only = process.env['BENCH_SCENARIOS']?.split(',');
const jsonOut = process.env['BENCH_JSON'];
const CONNECTIONS = 16;
const mode = process.env['BENCH_INFRASTRUCTURE'] === 'embedded' ? 'embedded' : 'postgres';

// The entity cache off: ours and bare both reach the subgraphs (bench/entity-cache.ts measures the cache).
const supergraph = await startTestSupergraph({ mode, env: { LOG_LEVEL: 'silent', SAGA_STEP_TIMEOUT_MS: '60000', ENTITY_CACHE_ENABLED: 'false' } });
const subgraphUrls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [subgraph.name, `${subgraph.url}/graphql`]));
const bare = await startBareGateway(await readFile(new URL('../supergraph.graphql', import.meta.url), 'utf8'), subgraphUrls);
const customer = await logInAsCustomer(supergraph.gatewayUrl);

const catalog = JSON.stringify({
  query: '{ products(first: 20) { edges { node { id name price { amount currency } category { name } inventory { available } inStock } } } }',
});
const dashboard = JSON.stringify({ query: await readFile(new URL('../sdk/operations/dashboard.graphql', import.meta.url), 'utf8') });
const placeOrderBody = () =>
  JSON.stringify({
    query: 'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id status } }',
    variables: { input: { items: [{ productId: demoProducts[40]!.id, quantity: 1 }], paymentToken: 'tok_visa' }, key: randomUUID() },
  });

const sqlStatements = async () => {
  const counts = await Promise.all(Object.values(supergraph.subgraphs).map((subgraph) => readCounter(subgraph.url, 'db_sql_statements_total', 'source="request"')));
  return counts.reduce((sum, count) => sum + count, 0);
};

export interface Measured {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly sqlPerRequest: number;
}
async function measure(url: string, headers: Record<string, string>, body: string | (() => string)): Promise<Measured> {
  const sqlBefore = await sqlStatements();
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', ...headers },
    ...(typeof body === 'string' ? { body } : { requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }] }),
  });
  const sql = (await sqlStatements()) - sqlBefore;
  const requests = result.requests.total || 1;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, sqlPerRequest: sql / requests };
}

const allScenarios = [
  { key: 'catalog', name: 'catalog browsing (anonymous)', ours: {}, bare: {}, body: catalog },
  { key: 'dashboard', name: 'dashboard (customer)', ours: { authorization: `Bearer ${customer.token}` }, bare: { 'x-bench-user-id': customer.userId }, body: dashboard },
  { key: 'placeOrder', name: 'placeOrder (customer)', ours: { authorization: `Bearer ${customer.token}` }, bare: { 'x-bench-user-id': customer.userId }, body: placeOrderBody },
] as const;
const scenarios = allScenarios.filter((scenario) => !only || only.includes(scenario.key));

const rows: string[] = [];
const measured: { key: string; name: string; ours: Measured; bare: Measured }[] = [];
for (const scenario of scenarios) {
  await measure(supergraph.gatewayUrl, scenario.ours, scenario.body); // warm-up
  const ours = await measure(supergraph.gatewayUrl, scenario.ours, scenario.body);
  const baseline = await measure(bare.url, scenario.bare, scenario.body);
  measured.push({ key: scenario.key, name: scenario.name, ours, bare: baseline });
  rows.push(
    `| ${scenario.name} | ${ours.rps.toFixed(0)} | ${ours.p50} / ${ours.p99} | ${ours.sqlPerRequest.toFixed(1)} | ${ours.errors} | ${baseline.rps.toFixed(0)} | ${baseline.p50} / ${baseline.p99} | ${(ours.rps / baseline.rps).toFixed(2)} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}

// Trusted documents: the SDK's Products operation as `createShopClient()` sends it (its text) and as
// `createShopClient({ persisted: true })` sends it (its id), both to our gateway (PERSISTED_DOCUMENTS=allow).
const productsVariables = { first: 20, filter: { categorySlug: 'coffee' } };
const byBody = JSON.stringify({ query: print(ProductsDocument), operationName: 'Products', variables: productsVariables });
const byId = JSON.stringify({ documentId: persistedDocumentIdOf(ProductsDocument), operationName: 'Products', variables: productsVariables });
// Alternated, three runs each after a warm-up of both, so a change in the machine's load falls on both alike.
await measure(supergraph.gatewayUrl, {}, byId);
await measure(supergraph.gatewayUrl, {}, byBody);
const idRuns: Measured[] = [];
const bodyRuns: Measured[] = [];
for (let round = 0; round < 3; round += 1) {
  idRuns.push(await measure(supergraph.gatewayUrl, {}, byId));
  bodyRuns.push(await measure(supergraph.gatewayUrl, {}, byBody));
}
const combined = (runs: readonly Measured[]) => ({
  rps: runs.reduce((sum, run) => sum + run.rps, 0) / runs.length,
  p50: Math.max(...runs.map((run) => run.p50)),
  p99: Math.max(...runs.map((run) => run.p99)),
  errors: runs.reduce((sum, run) => sum + run.errors, 0),
});
const idRun = combined(idRuns);
const bodyRun = combined(bodyRuns);
const persistedRow = `| catalog browsing (SDK Products, anonymous) | ${idRun.rps.toFixed(0)} | ${idRun.p50} / ${idRun.p99} | ${idRun.errors} | ${bodyRun.rps.toFixed(0)} | ${bodyRun.p50} / ${bodyRun.p99} | ${bodyRun.errors} | ${(idRun.rps / bodyRun.rps).toFixed(2)} |`;
process.stdout.write(`${persistedRow}\n`);
const persistedTable = [
  '| scenario | by id req/s | by id p50 / p99 ms | errors | by body req/s | by body p50 / p99 ms | errors | ratio id/body |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  persistedRow,
].join('\n');

const table = [
  '| scenario | ours req/s | ours p50 / p99 ms | SQL per request | errors | bare req/s | bare p50 / p99 ms | ratio ours/bare |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const machine = `${machineDescription()}; load average at the end ${os
  .loadavg()
  .map((load) => load.toFixed(1))
  .join(' / ')} (1/5/15 min)`;
// The federation benchmark's section (bench/federation.ts) stays as it is.
const federationSection = /<!-- federation-benchmark:start -->[\s\S]*<!-- federation-benchmark:end -->/.exec(
  await readFile(new URL('./results.md', import.meta.url), 'utf8').catch(() => ''),
)?.[0];
// So does the entity cache's (bench/entity-cache.ts).
const cacheSection = /<!-- entity-cache:start -->[\s\S]*<!-- entity-cache:end -->/.exec(await readFile(new URL('./results.md', import.meta.url), 'utf8').catch(() => ''))?.[0];
// The Node comparison (bench/node-versions.ts) lives at the end of results.md and stays.
const kept = await readFile(new URL('./results.md', import.meta.url), 'utf8').then(
  (text) => (text.includes(NODE_SECTION) ? `\n${text.slice(text.indexOf(NODE_SECTION))}` : ''),
  () => '',
);
if (jsonOut) {
  await writeFile(jsonOut, JSON.stringify({ node: process.version, machine, loadAverage: os.loadavg(), seconds: SECONDS, connections: CONNECTIONS, mode, measured }));
} else {
  await writeFile(
    new URL('./results.md', import.meta.url),
    `# Supergraph throughput\n\n${CONNECTIONS} connections, ${SECONDS} s per run after a warm-up, ${mode === 'postgres' ? 'PostgreSQL, RabbitMQ and Redis on loopback' : 'embedded PGlite and the in-process bus'}; client, gateways and subgraphs share one machine. "Bare" is @apollo/gateway on @apollo/server's standalone server over the same subgraphs, without our token verification, limits, rate limiting, resilience or metrics; ours has all of them on. placeOrder starts a saga per request, which runs on while the next requests come.\n\n${table}\n\nTrusted documents, the same run (three runs of each, alternated; req/s averaged, the worst p50 and p99): the request body carries the persisted document id (\`documentId\`) or the operation's text; the gateway resolves the id from the manifest (and plans it ahead at start), or hashes and parses the text (Apollo Server caches parsed texts).\n\n${persistedTable}\n\nSubscription fan-out: see results-subscriptions.md (\`npm run bench:subscriptions\`). Protections on/off: results-protection.md (\`npm run bench:protection\`).\n\nMachine: ${machine}.\nRun: ${new Date().toISOString()}.\n${federationSection ? `\n${federationSection}\n` : ''}${cacheSection ? `\n${cacheSection}\n` : ''}${kept}`,
  );
}
process.stdout.write(`\n${table}\n\n${machine}\n`);
await bare.stop();
await supergraph.stop();
process.exit(0);
