// Start to ready of one subgraph (catalog, embedded PGlite with its database already migrated and
// seeded, as after a crash or a rescheduled pod) and of the gateway (its subgraphs stand-ins that
// are live), run the development way (node --import tsx, TypeScript transpiled at start) and the
// production way (node on what `npm run build` wrote). Runs alternate tsx-cold, tsx, compiled, … so all
// see the same machine; the report is the ratio of the medians. Each start is a fresh process,
// timed from spawn to the first 200 from /health/ready; idle RSS is read once it is ready.
//
//   npm run build && npm run bench:start       # BENCH_RUNS=5 by default; writes bench/results-start.md
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { freePort } from '../test/support/free-port.ts';
import { machineDescription } from './machine.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const root = join(import.meta.dirname, '..');
const dist = (entry: string) => join('dist', entry.replace(/\.ts$/, '.js'));
for (const entry of ['gateway/main.ts', 'subgraphs/catalog/main.ts']) {
  if (!existsSync(join(root, dist(entry)))) throw new Error(`${dist(entry)} is missing: run npm run build first`);
}

const dataDir = await mkdtemp(join(os.tmpdir(), 'bench-start-'));
const standIn = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/graphql`;

// tsx keeps transpiled files in a cache under the OS temp dir; a new container (a rescheduled pod,
// an HPA scale-out) starts without it: `tsx-cold` (TSX_DISABLE_CACHE=1).
const MODES = ['tsx-cold', 'tsx', 'compiled'] as const;
type Mode = (typeof MODES)[number];
interface Start {
  readonly ms: number;
  readonly rssMiB: number;
}

/** Spawns an entry point, waits (up to 2 min) for /health/ready to answer 200, reads its RSS, stops it. */
async function timeStart(entry: string, mode: Mode, env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const args = mode === 'compiled' ? ['--enable-source-maps', dist(entry)] : ['--import', 'tsx', entry];
  const began = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env, PORT: String(port), ...(mode === 'tsx-cold' ? { TSX_DISABLE_CACHE: '1' } : {}) },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${entry} (${mode}) exited with ${child.exitCode}`);
      const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      if (performance.now() - began > 120_000) throw new Error(`${entry} (${mode}) not ready after 2 min`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const ms = performance.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const services: { readonly name: string; readonly entry: string; readonly env: Record<string, string> }[] = [
  { name: 'catalog', entry: 'subgraphs/catalog/main.ts', env: { DATA_DIR: dataDir } },
  {
    name: 'gateway',
    entry: 'gateway/main.ts',
    env: { SUPERGRAPH_WATCH: 'false', ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_URL_${name.toUpperCase()}`, standInUrl])) },
  },
];

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const rows: string[] = [];
const ratios: string[] = [];
try {
  // The first catalog start creates, migrates and seeds its database: not measured.
  await timeStart('subgraphs/catalog/main.ts', 'compiled', { DATA_DIR: dataDir });
  for (const service of services) {
    const results: Record<Mode, Start[]> = { 'tsx-cold': [], tsx: [], compiled: [] };
    for (let run = 0; run < RUNS; run += 1) {
      for (const mode of MODES) {
        const result = await timeStart(service.entry, mode, service.env);
        results[mode].push(result);
        console.log(`${service.name} ${mode}: ${Math.round(result.ms)} ms, ${result.rssMiB.toFixed(0)} MiB`);
      }
    }
    for (const mode of MODES) {
      const times = results[mode].map((result) => result.ms);
      rows.push(
        `| ${service.name} | ${mode} | ${Math.round(median(times))} | ${Math.round(Math.min(...times))} / ${Math.round(Math.max(...times))} | ${median(results[mode].map((result) => result.rssMiB)).toFixed(0)} |`,
      );
    }
    const medianOf = (mode: Mode) => median(results[mode].map((result) => result.ms));
    ratios.push(
      `${service.name}: compiled/tsx ${(medianOf('compiled') / medianOf('tsx')).toFixed(2)}, compiled/tsx-cold ${(medianOf('compiled') / medianOf('tsx-cold')).toFixed(2)} (median start to ready)`,
    );
  }
} finally {
  standIn.close();
  await rm(dataDir, { recursive: true, force: true });
}

const load = os
  .loadavg()
  .map((value) => value.toFixed(1))
  .join(' / ');
const report = `# Start to ready: tsx against compiled JavaScript

Spawn to the first 200 from \`/health/ready\`, ${RUNS} runs per mode, alternating; "tsx": \`node --import tsx <entry>.ts\` (development, and the image before \`npm run build\`) with its transpile cache warm; "tsx-cold": the same without that cache (\`TSX_DISABLE_CACHE=1\`), as in a new container; "compiled": \`node --enable-source-maps dist/<entry>.js\` (the image now). catalog: embedded PGlite, database already migrated and seeded; gateway: its subgraphs are live stand-ins. RSS once ready and idle for 1 s.

| service | mode | median ms | min / max ms | idle RSS MiB (median) |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

${ratios.map((line) => `- ${line}`).join('\n')}

Machine: ${machineDescription()}; load average at the end ${load} (1/5/15 min).
Run: ${new Date().toISOString()}.
`;
await writeFile(join(root, 'bench', 'results-start.md'), report);
console.log(report);
