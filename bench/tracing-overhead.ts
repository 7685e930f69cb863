// The cost of tracing: the dashboard (one request, seven subgraphs, Prisma queries in each) with
// tracing off and on, alternating (off, on, off, on). Each run is a process of its own with a fresh
// supergraph, since tracing is started once per process, as a service does. "On" is what
// OTEL_EXPORTER_OTLP_ENDPOINT turns on: every span batched and posted as OTLP/HTTP JSON, here to a
// stand-in collector on loopback (in this process) that counts what it receives. Reports the ratio on/off.
//
//   npm run bench:tracing
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { startTracing } from '../common/telemetry/tracing.ts';
import { startOtlpCollector } from '../test/support/otlp-collector.ts';
import { logInAsCustomer } from '../test/support/sessions.ts';
import { startTestSupergraph } from '../test/support/test-supergraph.ts';
import { machineDescription } from './machine.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const CONNECTIONS = 16;

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly requests: number;
}

/** One run: a supergraph in this process, traced to `endpoint` when given; prints its Run as JSON. */
async function runOnce(endpoint: string | undefined): Promise<void> {
  const tracing = startTracing({ serviceName: 'bench', otlpEndpoint: endpoint, sampleRatio: 1 });
  // The entity cache off: the traced fetches must reach the subgraphs.
  const supergraph = await startTestSupergraph({ env: { LOG_LEVEL: 'silent', ENTITY_CACHE_ENABLED: 'false' } });
  const customer = await logInAsCustomer(supergraph.gatewayUrl);
  const body = JSON.stringify({ query: await readFile(new URL('../sdk/operations/dashboard.graphql', import.meta.url), 'utf8') });
  const measure = async (): Promise<Run> => {
    const result = await autocannon({
      url: supergraph.gatewayUrl,
      method: 'POST',
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` },
      body,
    });
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, requests: result.requests.total };
  };
  await measure(); // warm-up
  const measured = await measure();
  await tracing.shutdown(); // exports what is still batched
  await supergraph.stop();
  process.stdout.write(`RUN ${JSON.stringify(measured)}\n`);
}

async function orchestrate(): Promise<void> {
  const collector = await startOtlpCollector();
  const count = (pattern: RegExp) => collector.received.reduce((sum, post) => sum + (post.body.match(pattern)?.length ?? 0), 0);
  const spansReceived = () => count(/"spanId"/g);
  const prismaSpansReceived = () => count(/"name":"prisma:client:operation"/g);

  const rows: (Run & { tracing: 'on' | 'off'; spansPerRequest: number; prismaSpansPerRequest: number })[] = [];
  for (const tracing of ['off', 'on', 'off', 'on'] as const) {
    const [spansBefore, prismaBefore] = [spansReceived(), prismaSpansReceived()];
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/tracing-overhead.ts', 'run', tracing === 'on' ? collector.endpoint : ''], {
      cwd: new URL('..', import.meta.url),
      maxBuffer: 16 * 2 ** 20,
    });
    const line = stdout.split('\n').find((text) => text.startsWith('RUN '));
    if (!line) throw new Error(`a ${tracing} run printed no result:\n${stdout}`);
    const run = JSON.parse(line.slice(4)) as Run;
    // The warm-up's spans count too; per measured request they are scaled out below.
    const traced = (spans: number) => spans / ((run.requests || 1) * 2);
    rows.push({ tracing, ...run, spansPerRequest: traced(spansReceived() - spansBefore), prismaSpansPerRequest: traced(prismaSpansReceived() - prismaBefore) });
    process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
  await collector.close();

  const mean = (mode: 'on' | 'off') => {
    const of = rows.filter((row) => row.tracing === mode);
    return of.reduce((sum, row) => sum + row.rps, 0) / of.length;
  };
  const machine = `${machineDescription()}; load average at the end ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')} (1/5/15 min)`;
  const report = [
    '# Tracing overhead',
    '',
    `The dashboard as a signed-in customer, ${CONNECTIONS} connections, ${SECONDS} s per run after a warm-up of the same length; runs alternate off/on, each in a process of its own with a fresh supergraph (all eight services in that process) on PostgreSQL and RabbitMQ on loopback. "On": every span exported over OTLP/HTTP (batched JSON) to a stand-in collector on loopback in another process, which counted the spans.`,
    '',
    '| tracing | req/s | p50 / p99 ms | errors | spans exported per request (approx.) | Prisma operation spans per request (approx.) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) => `| ${row.tracing} | ${row.rps.toFixed(0)} | ${row.p50} / ${row.p99} | ${row.errors} | ${row.spansPerRequest.toFixed(1)} | ${row.prismaSpansPerRequest.toFixed(1)} |`,
    ),
    '',
    `Ratio on/off (mean req/s): ${(mean('on') / mean('off')).toFixed(2)}.`,
    '',
    'Spans per request are the spans received over the warm-up and the measured run divided by twice the measured requests. Fewer than a dashboard makes would mean the batch span processor dropped spans: its queue (2,048 spans by default, `OTEL_BSP_MAX_QUEUE_SIZE`) filled faster than its exporter emptied it. Here all eight services share one process and one queue; deployed, each has its own.',
    '',
    `Machine: ${machine}.`,
    `Run: ${new Date().toISOString()}.`,
    '',
  ].join('\n');
  await writeFile(new URL('./results-tracing.md', import.meta.url), report);
  process.stdout.write(`\n${report}`);
}

if (process.argv[2] === 'run') await runOnce(process.argv[3] || undefined);
else await orchestrate();
process.exit(0);
