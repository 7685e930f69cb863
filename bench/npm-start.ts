// `npm start` on embedded defaults, measured whole: time from spawn to the ready banner ("Supergraph
// ready", printed after every service answers and the demo orders exist) and the resident memory of
// the whole process tree once it is ready and idle. Two cases:
//   - fresh:  an empty data directory and an empty temp dir (TMPDIR): no PGlite template, no tsx
//             transpile cache, as on a machine that never ran the project: initdb, migrations and
//             seeds of every service;
//   - restart: the same data directory again (what every later `npm start` does).
// Each run is a new process on its own block of ports (BASE_PORT), so a running `npm start` is left alone.
//
//   npm run bench:npm-start            # BENCH_RUNS=3 by default; writes bench/results-npm-start.md
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { machineDescription } from './machine.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const root = join(import.meta.dirname, '..');
const READY = 'Supergraph ready';

interface Start {
  readonly ms: number;
  /** CPU seconds the process tree spent to ready: on a shared machine, the figure load does not stretch. */
  readonly cpuS: number;
  readonly rssMiB: number;
  readonly load: string;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

/** Resident memory of a process and all its descendants (npm start is one process today; the sum keeps that honest). */
async function treeRssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  let total = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const task of tasks) {
    const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of children.split(/\s+/).filter(Boolean)) total += await treeRssKiB(Number(child));
  }
  return total;
}

/** User + system CPU seconds of a process, its live descendants and its exited children (/proc/<pid>/stat fields 14-17, in clock ticks). */
async function treeCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime + stime, and cutime + cstime: the CPU of children it waited for (a child that did its work and exited).
  let ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0) + Number(fields[13] ?? 0) + Number(fields[14] ?? 0);
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const task of tasks) {
    const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of children.split(/\s+/).filter(Boolean)) ticks += (await treeCpuSeconds(Number(child))) * CLOCK_TICKS;
  }
  return ticks / CLOCK_TICKS;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

async function timeStart(round: string, basePort: number): Promise<Start> {
  const load = loadAverage();
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'development', DATA_DIR: join(round, 'data'), TMPDIR: join(round, 'tmp'), BASE_PORT: String(basePort), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after 25 min:\n${output}`)), 1_500_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
    const ms = performance.now() - began;
    const cpuS = await treeCpuSeconds(child.pid ?? 0);
    // Idle after start: what a laptop holds while nobody uses it yet.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const rssKiB = await treeRssKiB(child.pid ?? 0);
    return { ms, cpuS, rssMiB: rssKiB / 1024, load };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const results: Record<'fresh' | 'restart', Start[]> = { fresh: [], restart: [] };
const basePort = 20_000 + Math.floor(Math.random() * 20_000);
for (let run = 0; run < RUNS; run += 1) {
  const round = await mkdtemp(join(os.tmpdir(), 'bench-npm-start-'));
  await mkdir(join(round, 'tmp'));
  try {
    for (const mode of ['fresh', 'restart'] as const) {
      const result = await timeStart(round, basePort);
      results[mode].push(result);
      console.log(`${mode}: ${(result.ms / 1000).toFixed(1)} s (${result.cpuS.toFixed(1)} s CPU), ${result.rssMiB.toFixed(0)} MiB (load before ${result.load})`);
    }
  } finally {
    await rm(round, { recursive: true, force: true });
  }
}

const rows = (['fresh', 'restart'] as const).map((mode) => {
  const times = results[mode].map((result) => result.ms / 1000);
  const rss = results[mode].map((result) => result.rssMiB);
  return `| ${mode} | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)} / ${Math.max(...times).toFixed(1)} | ${median(results[mode].map((result) => result.cpuS)).toFixed(1)} | ${median(rss).toFixed(0)} | ${Math.max(...rss).toFixed(0)} | ${results[mode].map((result) => result.load.split(' / ')[0]).join(', ')} |`;
});
const report = `# npm start: time to ready and memory

\`node --import tsx scripts/start.ts\` (what \`npm start\` runs) on embedded defaults, ${RUNS} rounds; each round starts
from an empty data directory and an empty TMPDIR (no PGlite template, no tsx cache: "fresh", a fresh clone's first start),
then starts again on the data it left ("restart"). Time: spawn to the "Supergraph ready" banner (every service
ready, demo orders placed); CPU: user + system seconds of the process tree at that moment (two cores let it exceed
the wall time; on a loaded machine the wall time stretches, the CPU time much less). Memory: resident set of the whole process tree, 3 s after ready.

| start | median s | min / max s | CPU s (median) | RSS MiB (median) | RSS MiB (max) | 1-min load before each run |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Machine: ${machineDescription()}; load average at the end ${loadAverage()} (1/5/15 min).
Run: ${new Date().toISOString()}.
`;
await writeFile(join(root, 'bench', 'results-npm-start.md'), report);
console.log(report);
