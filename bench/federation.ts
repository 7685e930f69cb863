// `npm run bench:federation`: The Guild's federation gateway benchmark query (see
// bench/federation-benchmark/subgraphs.ts) through each gateway in turn, in one run: the gateway
// pinned to core 0 (`taskset -c 0`), the subgraphs and the load generator (autocannon, 50
// connections as the benchmark's k6 runs) on core 1. Gateways: bare @apollo/gateway; ours with
// our executor (subgraph dedup off and on, and with batched fetches off); and, when
// HIVE_GATEWAY_DIR names a folder where @graphql-hive/gateway (and @graphql-hive/router-runtime)
// are installed, Hive Gateway with and without its Rust planner runtime. Reports requests/s, the
// ratio to bare @apollo/gateway, p50/p99 latency, errors and the gateway's resident memory, into
// bench/results.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../test/support/free-port.ts';
import { BENCHMARK_QUERY, composeBenchmarkSupergraph } from './federation-benchmark/subgraphs.ts';
import { createViewerTokens } from './federation-benchmark/viewer-tokens.ts';
import { loadAverage, machineDescription } from './machine.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 4);
const CONNECTIONS = 50;
const HIVE_DIR = process.env['HIVE_GATEWAY_DIR'];
const loadBefore = loadAverage();
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The load generator and the subgraphs stay off the gateway's core.
execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    // A gateway's log lines (pino's JSON) may come first.
    lines.on('line', (line) => {
      if (!line.startsWith('{"level":')) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)));
  });
}

const node = (core: number, args: string[], cwd?: string) =>
  spawn('taskset', ['-c', String(core), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'], ...(cwd ? { cwd } : {}) });

async function waitForAnswer(url: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: BENCHMARK_QUERY }) });
      if (response.ok) return await response.text();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const memoryOf = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
};

interface Variant {
  readonly name: string;
  readonly optional?: boolean;
  /** Each request carries a token of its own viewer (nothing can be shared between requests). */
  readonly uniqueViewer?: boolean;
  start(supergraphPath: string, urls: Record<string, string>): Promise<{ child: ChildProcess; url: string }>;
}

const ours = (name: string, variant: string, uniqueViewer = false): Variant => ({
  name,
  uniqueViewer,
  async start(supergraphPath, urls) {
    const args = [variant, supergraphPath, JSON.stringify(urls), ...(uniqueViewer ? [viewers.jwksUrl] : [])];
    const child = node(0, ['--import', 'tsx', here('./federation-benchmark/gateway-process.ts'), ...args]);
    return { child, url: await firstLine(child) };
  },
});

const hive = (name: string, config: string, uniqueViewer = false): Variant => ({
  name,
  optional: true,
  uniqueViewer,
  async start(supergraphPath) {
    const dir = join(HIVE_DIR!, name.replace(/\W+/g, '-'));
    execFileSync('mkdir', ['-p', dir]);
    await writeFile(join(dir, 'gateway.config.ts'), config);
    const port = await freePort();
    const child = node(0, [join(HIVE_DIR!, 'node_modules/@graphql-hive/gateway/dist/bin.js'), 'supergraph', supergraphPath, '--port', String(port), '--host', '127.0.0.1'], dir);
    child.stdout?.resume();
    return { child, url: `http://127.0.0.1:${port}/graphql` };
  },
});

// Enough tokens that no two requests in flight at once carry the same one.
const viewers = await createViewerTokens(Number(process.env['BENCH_VIEWERS'] ?? 20_000));
let nextViewer = 0;
const withUniqueViewer = (request: autocannon.Request): autocannon.Request => {
  nextViewer = (nextViewer + 1) % viewers.authorizations.length;
  return { ...request, headers: { ...request.headers, authorization: viewers.authorizations[nextViewer]! } };
};
const HIVE_DEFAULTS = `import { defineConfig } from '@graphql-hive/gateway';\nimport { unifiedGraphHandler } from '@graphql-hive/router-runtime';\nexport const gatewayConfig = defineConfig({ unifiedGraphHandler, inboundInflightRequestDeduplication: true });\n`;

const hiveVariants = (withHive: readonly Variant[]) => (HIVE_DIR ? withHive : []);
// Each of ours runs next to the Hive Gateway it compares with, so both meet the same load.
const variants: Variant[] = [
  ours('bare @apollo/gateway', 'bare'),
  ours('ours, our executor, dedup off', 'native'),
  ours('ours, our executor, dedup off, batching off', 'native-unbatched'),
  ...hiveVariants([
    // Without either of its deduplications: inbound (identical client requests) and outbound
    // (identical subgraph requests, on by default in its HTTP transport).
    hive(
      'Hive Gateway (Rust planner runtime), dedup off',
      `import { defineConfig } from '@graphql-hive/gateway';\nimport { unifiedGraphHandler } from '@graphql-hive/router-runtime';\nexport const gatewayConfig = defineConfig({ unifiedGraphHandler, inboundInflightRequestDeduplication: false, transportEntries: { '*': { options: { deduplicateInflightRequests: false } } } });\n`,
    ),
  ]),
  ours('ours, our executor, dedup on', 'native-dedup'),
  ...hiveVariants([
    hive('Hive Gateway (Rust planner runtime)', HIVE_DEFAULTS),
    hive(
      'Hive Gateway (JavaScript planner)',
      `import { defineConfig } from '@graphql-hive/gateway';\nexport const gatewayConfig = defineConfig({ inboundInflightRequestDeduplication: true });\n`,
    ),
  ]),
  // A shop's traffic: every request a different signed-in viewer. Ours verifies each token (ES256)
  // and asserts its viewer to the subgraphs; Hive Gateway forwards nothing and verifies nothing by default.
  ours('ours, its defaults (dedup off), a unique viewer per request', 'native', true),
  ours('ours, dedup on, a unique viewer per request', 'native-dedup', true),
  ...hiveVariants([hive('Hive Gateway (Rust planner runtime), its defaults, a unique viewer per request', HIVE_DEFAULTS, true)]),
];

const subgraphs = node(1, ['--import', 'tsx', here('./federation-benchmark/subgraphs.ts')]);
const urls = JSON.parse(await firstLine(subgraphs)) as Record<string, string>;
const scratch = await mkdtemp(join(tmpdir(), 'federation-bench-'));
const supergraphPath = join(scratch, 'supergraph.graphql');
await writeFile(supergraphPath, composeBenchmarkSupergraph(urls));

interface Row {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly rssMiB: number;
  readonly peakMiB: number;
}
const rows: Row[] = [];
const skipped: string[] = [];
let expected: string | undefined;
try {
  for (const variant of variants) {
    const { child, url } = await variant.start(supergraphPath, urls);
    child.once('error', () => undefined);
    try {
      const answer = await waitForAnswer(url);
      const data = JSON.stringify((JSON.parse(answer) as { data: unknown }).data);
      expected ??= data;
      if (data !== expected || answer.includes('"errors"')) throw new Error(`${variant.name} answers differently: ${answer.slice(0, 300)}`);
      const load = {
        url,
        method: 'POST' as const,
        connections: CONNECTIONS,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: BENCHMARK_QUERY }),
        ...(variant.uniqueViewer ? { requests: [{ setupRequest: withUniqueViewer }] } : {}),
      };
      await autocannon({ ...load, duration: WARMUP_SECONDS });
      const result = await autocannon({ ...load, duration: SECONDS });
      const memory = await memoryOf(child.pid!);
      rows.push({ name: variant.name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, ...memory });
      process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
    } catch (error) {
      // An optional gateway (Hive) that does not start is reported, not fatal; ours must run.
      if (!variant.optional) throw error;
      process.stdout.write(`${variant.name}: ${String(error)}\n`);
      skipped.push(`${variant.name}: ${String(error).slice(0, 200)}`);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
    }
  }
} finally {
  subgraphs.kill('SIGTERM');
  await viewers.close();
  await rm(scratch, { recursive: true, force: true });
}

const versionOf = async (name: string) => (JSON.parse(await readFile(join(HIVE_DIR!, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const hiveVersions = HIVE_DIR
  ? `@graphql-hive/gateway ${await versionOf('@graphql-hive/gateway')}, @graphql-hive/router-runtime ${await versionOf('@graphql-hive/router-runtime')}`
  : undefined;
const bare = rows[0]!.rps;
const table = [
  '| gateway | req/s | ratio to bare @apollo/gateway | p50 / p99 ms | errors | RSS at the end / peak MiB |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (row) =>
      `| ${row.name} | ${row.rps.toFixed(0)} | ${(row.rps / bare).toFixed(2)} | ${row.p50} / ${row.p99} | ${row.errors} | ${row.rssMiB.toFixed(0)} / ${row.peakMiB.toFixed(0)} |`,
  ),
].join('\n');
const section = [
  '<!-- federation-benchmark:start -->',
  "## The Guild's federation benchmark",
  '',
  `\`npm run bench:federation\`: the benchmark's query (\`users { reviews { product { reviews { author { reviews { product } } } } } } topProducts { ... }\`, about 87 KB of JSON) over Node ports of its four subgraphs (bench/federation-benchmark/), ${CONNECTIONS} connections, ${SECONDS} s per gateway after a ${WARMUP_SECONDS} s warm-up, one gateway at a time, each pinned to core 0 (\`taskset -c 0\`), subgraphs and autocannon on core 1. Ours runs with its token verification, operation limits, trusted documents (production's \`require\`: the query is in a manifest of its own and sent as text), resilience, metrics and credentials on (rate limiting off: one anonymous client); its executor sends each distinct entity representation once per fetch (as Hive Gateway and Apollo Router do). "Dedup" is the sharing of identical requests in flight: Hive Gateway runs as the benchmark configures it (inbound request deduplication on, and its HTTP transport's outbound one, on by default), and once more with its Rust runtime with neither. Ours runs next to the Hive Gateway it compares with. **The machine is shared with other developers' work while this runs**: absolute numbers move from run to run, ratios within one run are what to read.`,
  '',
  table,
  ...(skipped.length > 0 ? ['', `Did not run: ${skipped.join('; ')}.`] : []),
  '',
  ...(hiveVersions ? [`Hive Gateway: ${hiveVersions} (installed outside the repository, \`HIVE_GATEWAY_DIR\`).`] : []),
  `Machine: ${machineDescription()}; load average (1/5/15 min) before ${loadBefore}, after ${loadAverage()}.`,
  `Run: ${new Date().toISOString()}.`,
  '<!-- federation-benchmark:end -->',
].join('\n');
const resultsPath = new URL('./results.md', import.meta.url);
const previous = await readFile(resultsPath, 'utf8');
const marked = /<!-- federation-benchmark:start -->[\s\S]*<!-- federation-benchmark:end -->/;
await writeFile(resultsPath, marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}\n`);
process.stdout.write(`\n${table}\n`);
process.exit(0);
