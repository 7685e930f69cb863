import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TestSupergraph } from './test-supergraph.ts';
import { freePort } from './free-port.ts';
import { acceptsConnections, listeningAddresses, processesInGroup } from './process-tree.ts';
import { testTiming } from './test-timing.ts';
import { waitFor } from './wait-for.ts';
import { SUBGRAPH_NAMES } from '../../gateway/config.ts';

const root = resolve(import.meta.dirname, '../..');

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
}

export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  /** What it wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<ProcessExit>;
  /** Sends SIGTERM (its graceful stop) and leaves the process to finish on its own. */
  terminate(): void;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** The environment a gateway needs to front a test supergraph's subgraphs, with its gateway's load-sized deadline. */
export function gatewayEnvFor(supergraph: TestSupergraph): Record<string, string> {
  return {
    // As the supergraph's own gateway: a subgraph under load (e.g. 50 users at once beside another test file) still answers in time.
    SUBGRAPH_TIMEOUT_MS: String(testTiming.subgraphTimeoutMs),
    ...Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`])),
    JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
  };
}

export type GatewayProcess = ServiceProcess;

/** A gateway in a process of its own, as a second replica would run: `node --import tsx gateway/main.ts`. */
export const startGatewayProcess = (env: Record<string, string>): Promise<GatewayProcess> => startServiceProcess('gateway/main.ts', env);

/**
 * Any service's entry point (`gateway/main.ts`, `subgraphs/<name>/main.ts`, or a compiled `.js` one, run
 * by plain node as in the image) in a process of its own, on a free port (in `portVariable`: the storefront's is
 * STOREFRONT_PORT), once it is live.
 */
export async function startServiceProcess(entryPoint: string, env: Record<string, string>, { portVariable = 'PORT' } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, entryPoint.endsWith('.js') ? ['--enable-source-maps', entryPoint] : ['--import', 'tsx', entryPoint], {
    cwd: root,
    // The entity cache off unless the test turns it on (as test-supergraph.ts does).
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ENTITY_CACHE_ENABLED: 'false', ...env, [portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<ProcessExit>((done) => child.once('close', (code, signal) => done({ code, signal, stderr, stdout })));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      () =>
        fetch(`${base}/health/live`).then(
          (response) => response.ok,
          () => false,
        ),
      (live) => live || child.exitCode !== null,
      { what: `${entryPoint} to listen`, timeoutMs: 120_000, intervalMs: 100 },
    );
    if (child.exitCode !== null) throw new Error(`${entryPoint} exited: ${stderr}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `${base}/graphql`,
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    exited,
    terminate: () => void child.kill('SIGTERM'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A process that does not finish its graceful stop in time is killed.
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * A block of `count` consecutive ports nothing listens on right now (npm start takes
 * BASE_PORT..BASE_PORT+7), below the kernel's ephemeral range, where the port-0 listeners and
 * outgoing connections of other tests cannot take one of them in the meantime.
 */
export async function freePortBlock(count: number, alsoFree: (base: number) => readonly number[] = () => []): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768 60999');
  const ephemeralLow = Number(range.trim().split(/\s+/)[0]) || 32_768;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (ephemeralLow - 10_000 - count));
    const ports = [...Array.from({ length: count }, (_, offset) => base + offset), ...alsoFree(base)];
    const taken = await Promise.all(ports.map((port) => acceptsConnections(port)));
    if (taken.every((busy) => !busy) && (await Promise.all(ports.map((port) => listeningAddresses(port)))).every((found) => found.length === 0)) return base;
  }
  throw new Error(`no ${count} free consecutive ports found`);
}

/** The variables of this test run that would point npm start elsewhere than where the test wants it. */
const inheritedEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(NODE_ENV|LOG_|DATABASE_URL_|AMQP_|REDIS_URL|SUBGRAPH_|OTEL_|SEED_DEMO_DATA|BASE_PORT|PORT|HOST|TEST_)/.test(name)),
  );

export interface NpmStart {
  /** The npm process; it leads its own process group (pgid = this pid), as a terminal's job would. */
  readonly npmPid: number;
  /** The node process that runs scripts/start.ts under npm. */
  readonly nodePid: number;
  readonly basePort: number;
  /** The gateway's, every subgraph's (the block from BASE_PORT) and the storefront's (BASE_PORT - 1000). */
  readonly ports: readonly number[];
  readonly gatewayUrl: string;
  readonly exited: Promise<ProcessExit>;
  output(): { stdout: string; stderr: string };
  /** Whatever is left of the group: SIGKILL (a test's clean-up, after its assertions). */
  kill(): void;
}

/** The gateway and every subgraph, one port each from BASE_PORT. */
const SERVICE_COUNT = SUBGRAPH_NAMES.length + 1;
/** npm start puts the storefront 1000 below the block (3000 beside the default 4000). */
const storefrontPort = (base: number) => [base - 1000];

/** A BASE_PORT for npm start whose every port (block and storefront) is free. */
export const freeNpmStartPorts = () => freePortBlock(SERVICE_COUNT, storefrontPort);

/** The line npm start prints once everything is up (the banner in development, a log line in production). */
const readyLine = /Supergraph ready: |"msg":"supergraph ready"/;

/**
 * `npm start` exactly as a person types it, in a process group of its own, on a free block of
 * ports; resolves once it says it is ready, or with its output if it ends first (`untilReady: false`
 * returns at once, for a start that is meant to fail).
 */
export async function startNpmStart(
  env: Record<string, string>,
  { untilReady = true, basePort, withoutNpm = false }: { untilReady?: boolean; basePort?: number; withoutNpm?: boolean } = {},
): Promise<NpmStart> {
  const base = basePort ?? (await freeNpmStartPorts());
  // withoutNpm: the process npm start runs (`node --import tsx scripts/start.ts`), without npm and its
  // prestart (code generation, the storefront's vite build): for a test about the servers, not npm.
  const [command, args] = withoutNpm ? [process.execPath, ['--import', 'tsx', 'scripts/start.ts']] : ['npm', ['start']];
  const child = spawn(command, args, {
    cwd: root,
    env: { ...inheritedEnv(), BASE_PORT: String(base), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ProcessExit>((done) => child.once('close', (code, signal) => done({ code, signal, stderr, stdout })));
  const pgid = child.pid!;
  const kill = () => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let nodePid = 0;
  if (untilReady) {
    try {
      await waitFor(
        async () => readyLine.test(stdout) || child.exitCode !== null,
        (done) => done,
        { what: 'npm start to say it is ready', timeoutMs: 240_000, intervalMs: 250 },
      );
      if (!readyLine.test(stdout)) throw new Error(`npm start ended: ${stdout}\n${stderr}`);
      nodePid = withoutNpm ? pgid : ((await processesInGroup(pgid)).find((candidate) => /^\S*node .*scripts\/start\.ts/.test(candidate.command))?.pid ?? 0);
      if (!nodePid) throw new Error(`no node process runs scripts/start.ts: ${JSON.stringify(await processesInGroup(pgid))}`);
    } catch (error) {
      kill();
      throw error;
    }
  }
  return {
    npmPid: pgid,
    nodePid,
    basePort: base,
    ports: [...Array.from({ length: SERVICE_COUNT }, (_, offset) => base + offset), ...storefrontPort(base)],
    gatewayUrl: `http://127.0.0.1:${base}/graphql`,
    exited,
    output: () => ({ stdout, stderr }),
    kill,
  };
}
