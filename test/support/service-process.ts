import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestSupergraph } from './test-supergraph.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

const root = resolve(import.meta.dirname, '../..');

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

export interface ServiceProcess {
  readonly url: string;
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<ProcessExit>;
  /** Sends SIGTERM (its graceful stop) and leaves the process to finish on its own. */
  terminate(): void;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** The environment a gateway needs to front a test supergraph's subgraphs. */
export function gatewayEnvFor(supergraph: TestSupergraph): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]),
    ),
    JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
  };
}

export type GatewayProcess = ServiceProcess;

/** A gateway in a process of its own, as a second replica would run: `node --import tsx gateway/main.ts`. */
export const startGatewayProcess = (env: Record<string, string>): Promise<GatewayProcess> => startServiceProcess('gateway/main.ts', env);

/** Any service's entry point (`gateway/main.ts`, `subgraphs/<name>/main.ts`) in a process of its own, on a free port, once it is live. */
export async function startServiceProcess(entryPoint: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entryPoint], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ProcessExit>((done) => child.once('close', (code, signal) => done({ code, signal, stderr })));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      () => fetch(`${base}/health/live`).then((response) => response.ok, () => false),
      (live) => live || child.exitCode !== null,
      { what: `${entryPoint} to listen`, timeoutMs: 30_000, intervalMs: 100 },
    );
    if (child.exitCode !== null) throw new Error(`${entryPoint} exited: ${stderr}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `${base}/graphql`,
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
