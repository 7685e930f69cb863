// `npx tsx bench/node-versions.ts` (with the machine's older Node, e.g. 20): the gateway's throughput
// scenarios (catalog browsing, the dashboard; ours and the bare @apollo/gateway) run once under this
// Node and once under Node 24 (scripts/with-node24.sh fetches it when missing), back to back, same
// harness (bench/throughput.ts as a child process); the ratios go to the end of bench/results.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NODE_SECTION } from './machine.ts';
import type { Measured } from './throughput.ts';

interface Run {
  readonly node: string;
  readonly machine: string;
  readonly loadAverage: number[];
  readonly seconds: number;
  readonly connections: number;
  readonly mode: string;
  readonly measured: { key: string; name: string; ours: Measured; bare: Measured }[];
}

const root = path.resolve(import.meta.dirname, '..');
const node24 = execFileSync(path.join(root, 'scripts/with-node24.sh'), ['node', '-p', 'process.execPath'], { cwd: root, encoding: 'utf8' }).trim();
const older = process.execPath;
const major = (bin: string) => Number(execFileSync(bin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim());
if (major(older) >= major(node24)) throw new Error(`run this with the older Node (this is ${process.version}); it compares it with ${node24}`);

const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-node-'));
const runUnder = async (bin: string): Promise<Run> => {
  const out = path.join(scratch, `${path.basename(path.dirname(path.dirname(bin)))}-${Date.now()}.json`);
  const result = spawnSync(bin, ['--import', 'tsx', 'bench/throughput.ts'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env['PATH'] ?? ''}`, BENCH_SCENARIOS: 'catalog,dashboard', BENCH_JSON: out },
  });
  if (result.status !== 0) throw new Error(`bench/throughput.ts under ${bin} exited with ${result.status}`);
  return JSON.parse(await readFile(out, 'utf8')) as Run;
};

const before = os.loadavg();
// A, B, B, A: the machine's load drifts; each Node gets one early and one late run.
const runs = [await runUnder(older), await runUnder(node24), await runUnder(node24), await runUnder(older)] as [Run, Run, Run, Run];
await rm(scratch, { recursive: true, force: true });
const [old, current] = [runs[0], runs[1]];
const olds = [runs[0], runs[3]];
const currents = [runs[1], runs[2]];

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const rows = old.measured.map((scenario) => {
  const of = (group: Run[], side: 'ours' | 'bare') => group.map((run) => run.measured.find((candidate) => candidate.key === scenario.key)![side]);
  const cell = (measures: Measured[]) => `${measures.map((m) => m.rps.toFixed(0)).join(', ')} (p50 ${measures.map((m) => m.p50).join(', ')} ms)`;
  const ratio = (side: 'ours' | 'bare') => (mean(of(currents, side).map((m) => m.rps)) / mean(of(olds, side).map((m) => m.rps))).toFixed(2);
  return `| ${scenario.name} | ${cell(of(olds, 'ours'))} | ${cell(of(currents, 'ours'))} | ${ratio('ours')} | ${cell(of(olds, 'bare'))} | ${cell(of(currents, 'bare'))} | ${ratio('bare')} |`;
});
const load = (values: readonly number[]) => values.map((value) => value.toFixed(1)).join(' / ');
const section = [
  NODE_SECTION,
  '',
  `\`npx tsx bench/node-versions.ts\`: the same harness (bench/throughput.ts: ${old.connections} connections, ${old.seconds} s per run after a warm-up, ${old.mode === 'postgres' ? 'PostgreSQL, RabbitMQ and Redis on loopback' : 'embedded PGlite'}) four times back to back, ${old.node}, ${current.node}, ${current.node}, ${old.node} (so each meets the load early and late); gateway, subgraphs and client in one process on that Node. req/s of each run (p50 latency), ratio of the means; errors: ${runs.flatMap((run) => run.measured).reduce((sum, m) => sum + m.ours.errors + m.bare.errors, 0)}.`,
  '',
  `| scenario | ours ${old.node} | ours ${current.node} | ratio ours 24/20 | bare ${old.node} | bare ${current.node} | ratio bare 24/20 |`,
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
  `The machine was busy (2 cores shared with other developers' builds and tests): load average before ${load(before)}, after each run ${runs.map((run) => load(run.loadAverage)).join('; ')} (1/5/15 min); read the ratios as rough.`,
  `Machine: ${current.machine.replace(/; load average.*$/, '')}.`,
  `Run: ${new Date().toISOString()}.`,
  '',
].join('\n');
const resultsPath = path.join(root, 'bench/results.md');
const results = await readFile(resultsPath, 'utf8');
const head = results.includes(NODE_SECTION) ? results.slice(0, results.indexOf(NODE_SECTION)) : `${results.trimEnd()}\n\n`;
await writeFile(resultsPath, `${head}${section}`);
process.stdout.write(`\n${section}`);
