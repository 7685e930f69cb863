// `npm run bench:plan-cache`: the first request's latency after a restart, with and without the
// query plans shared in Redis (docs/operations.md, "Shared query plans"). Each round starts a fresh
// gateway process (no trusted-document warm-up: PERSISTED_DOCUMENTS=off, so the request's plan is
// either made on the spot or read from Redis), sends the query once, then once more (a local hit),
// and exits. "Shared" rounds find the plan in Redis as `npm run schema:publish` leaves it (planAhead).
// Queries: The Guild's federation benchmark query over its subgraphs (bench/federation-benchmark/),
// and our storefront's Dashboard (seven subgraphs) over mock subgraphs. Medians of ROUNDS rounds,
// with the load average before and after, into bench/results.md.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import { Redis } from 'ioredis';
import { readSubgraphSdl } from '../common/subgraph/shared-definitions.ts';
import { planAhead } from '../gateway/executor/native-gateway.ts';
import { planHashKey } from '../gateway/plan-store/shared-plans.ts';
import { DashboardDocument } from '../sdk/generated/graphql.ts';
import { startMockSubgraphs } from '../test/support/mock-subgraphs.ts';
import { loadAverage, machineDescription } from './machine.ts';
import { BENCHMARK_QUERY, composeBenchmarkSupergraph, startBenchmarkSubgraphs } from './federation-benchmark/subgraphs.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const here = fileURLToPath(import.meta.url);

interface ChildResult {
  readonly firstMs: number;
  readonly secondMs: number;
  readonly remoteHits: number;
  readonly status: number;
}

// The child: one gateway process, two requests, the figures on stdout.
if (process.argv[2] === 'child') {
  const { loadGatewayConfig } = await import('../gateway/config.ts');
  const { startGateway } = await import('../gateway/start-gateway.ts');
  const [supergraphPath, urlsJson, query, shared, prefix] = process.argv.slice(3) as [string, string, string, 'shared' | 'local', string];
  const urls = JSON.parse(urlsJson) as Record<string, string>;
  const config = loadGatewayConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    SUPERGRAPH_PATH: supergraphPath,
    SUPERGRAPH_WATCH: 'false',
    RATE_LIMIT_ENABLED: 'false',
    ENTITY_CACHE_ENABLED: 'false',
    PERSISTED_DOCUMENTS: 'off',
    GATEWAY_WORKERS: '1',
    ...(shared === 'shared' ? { REDIS_URL, PLAN_CACHE_KEY_PREFIX: prefix } : {}),
    ...Object.fromEntries(Object.entries(urls).map(([name, subgraphUrl]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, subgraphUrl])),
    ...Object.fromEntries(Object.keys(urls).map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, `benchmark-secret-of-${name}`])),
  });
  const gateway = await startGateway(config);
  const ask = async () => {
    const started = performance.now();
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    await response.text();
    return { ms: performance.now() - started, status: response.status };
  };
  const first = await ask();
  const second = await ask();
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  const remoteHits = Number(/^gateway_query_plan_remote_total\{[^}]*outcome="hit"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  process.stdout.write(`${JSON.stringify({ firstMs: first.ms, secondMs: second.ms, remoteHits, status: first.status } satisfies ChildResult)}\n`);
  await gateway.stop();
  process.exit(0);
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', here, 'child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`the gateway round exited with ${code}: ${out}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

interface Row {
  readonly query: string;
  readonly mode: 'local' | 'shared';
  readonly first: number;
  readonly second: number;
  readonly hits: number;
}

async function measure(name: string, supergraphSdl: string, urls: Record<string, string>, query: string, directory: string): Promise<Row[]> {
  const supergraphPath = join(directory, `${name}.graphql`);
  await writeFile(supergraphPath, supergraphSdl);
  const prefix = `bench-plans-${randomUUID()}`;
  const redis = new Redis(REDIS_URL);
  // As `npm run schema:publish` leaves it for the new supergraph.
  const ahead = planAhead(supergraphSdl, [{ query, operationName: undefined }]);
  if (ahead.plans.length !== 1) throw new Error(`${name} does not plan`);
  await redis.hset(planHashKey(prefix, ahead.supergraphId), ahead.plans[0]!.operationKey, ahead.plans[0]!.plan);
  const rows: Row[] = [];
  try {
    const results: Record<'local' | 'shared', ChildResult[]> = { local: [], shared: [] };
    // Interleaved, so both modes see the same machine.
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const mode of ['local', 'shared'] as const) {
        const result = await runChild([supergraphPath, JSON.stringify(urls), query, mode, prefix]);
        if (result.status !== 200) throw new Error(`${name}: HTTP ${result.status}`);
        results[mode].push(result);
      }
    }
    for (const mode of ['local', 'shared'] as const) {
      const all = results[mode];
      rows.push({
        query: name,
        mode,
        first: median(all.map((result) => result.firstMs)),
        second: median(all.map((result) => result.secondMs)),
        hits: all.reduce((sum, result) => sum + result.remoteHits, 0),
      });
    }
  } finally {
    await redis.del(planHashKey(prefix, ahead.supergraphId));
    redis.disconnect();
  }
  return rows;
}

const loadBefore = loadAverage();
const directory = await mkdtemp(join(tmpdir(), 'bench-plan-cache-'));
const rows: Row[] = [];
try {
  const benchmark = await startBenchmarkSubgraphs();
  try {
    rows.push(...(await measure('federation benchmark (TestQuery)', composeBenchmarkSupergraph(benchmark.urls), benchmark.urls, BENCHMARK_QUERY, directory)));
  } finally {
    await benchmark.stop();
  }
  const supergraphSdl = await readFile(new URL('../supergraph.graphql', import.meta.url), 'utf8');
  const names = [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((match) => match[1]!);
  const mocks = await startMockSubgraphs(Object.fromEntries(names.map((name) => [name, readSubgraphSdl(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url))])));
  try {
    const urls = Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
    rows.push(...(await measure('storefront Dashboard', supergraphSdl, urls, print(DashboardDocument), directory)));
  } finally {
    await mocks.stop();
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
const loadAfter = loadAverage();

const table = [
  `| query | plans | first request after a restart (ms, median) | second request (ms, median) | remote hits |`,
  `| --- | --- | ---: | ---: | ---: |`,
  ...rows.map(
    (row) =>
      `| ${row.query} | ${row.mode === 'shared' ? 'shared in Redis (made ahead)' : 'made in the process'} | ${row.first.toFixed(1)} | ${row.second.toFixed(1)} | ${row.hits}/${ROUNDS} |`,
  ),
].join('\n');
const section = [
  '## First request after a restart: shared query plans',
  '',
  `\`npm run bench:plan-cache\`, ${new Date().toISOString().slice(0, 10)}: ${ROUNDS} rounds per row, each a fresh gateway process (production, no trusted-document warm-up) answering the query once, then again. ${machineDescription()}. Load average (1/5/15 min) ${loadBefore} before, ${loadAfter} after.`,
  '',
  table,
  '',
].join('\n');
process.stdout.write(`${section}\n`);
const resultsPath = new URL('./results.md', import.meta.url);
const results = await readFile(resultsPath, 'utf8');
const start = results.indexOf('## First request after a restart: shared query plans');
const updated =
  start < 0
    ? `${results.trimEnd()}\n\n${section}`
    : `${results.slice(0, start)}${section}${results.slice(results.indexOf('\n## ', start + 1) < 0 ? results.length : results.indexOf('\n## ', start + 1) + 1)}`;
await writeFile(resultsPath, updated);
