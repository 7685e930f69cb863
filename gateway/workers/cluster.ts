// GATEWAY_WORKERS > 1: one primary process and N gateway workers behind one port (node:cluster;
// the primary accepts connections and hands them to the workers in turn). The primary serves
// nothing itself: it forks the workers, replaces one that crashes (with a growing delay), stops
// them all on SIGTERM/SIGINT, and gives up with a non-zero exit when workers cannot start (a bad
// supergraph, a port in use) instead of forking them again and again. Workers share what a second
// replica would share (Redis, the bus); /metrics on any worker answers for all of them, each
// series labelled with its `worker` (its slot, 0..N-1, which a replacement inherits).
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';

/** The variable a worker learns its slot from. */
const SLOT_VARIABLE = 'GATEWAY_WORKER_SLOT';
const METRICS_MESSAGE = 'gateway:cluster-metrics';
/** First delay before a crashed worker is replaced; doubles per crash in a row, up to the maximum. */
const RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 15_000;
/** A worker that stays up this long resets its slot's crash count. */
const STABLE_AFTER_MS = 30_000;
/** Replacements in a row that die before listening: the worker cannot start any more, so the primary gives up. */
const MAX_FAILED_STARTS = 5;
/** Beyond the workers' own grace period, before the primary kills what is left. */
const STOP_MARGIN_MS = 5_000;

interface MetricsMessage {
  readonly type: typeof METRICS_MESSAGE;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}
const isMetricsMessage = (message: unknown): message is MetricsMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === METRICS_MESSAGE;

export interface PrimaryOptions {
  readonly workers: number;
  readonly log: Logger;
  /** The workers' SHUTDOWN_GRACE_MS: how long their graceful stop may take. */
  readonly shutdownGraceMs: number;
}

interface Slot {
  worker: Worker | undefined;
  listening: boolean;
  /** Crashes in a row (reset once a worker stays up STABLE_AFTER_MS). */
  crashes: number;
  /** Replacements in a row that died before listening. */
  failedStarts: number;
  stableTimer: NodeJS.Timeout | undefined;
  restartTimer: NodeJS.Timeout | undefined;
}

/** Runs the primary: forks the workers and supervises them until a signal stops them all; exits the process. */
export function runPrimary({ workers, log: parentLog, shutdownGraceMs }: PrimaryOptions): void {
  const log = parentLog.child({ component: 'cluster-primary' });
  const aggregator = new AggregatorRegistry();
  const slots: Slot[] = Array.from({ length: workers }, () => ({
    worker: undefined,
    listening: false,
    crashes: 0,
    failedStarts: 0,
    stableTimer: undefined,
    restartTimer: undefined,
  }));
  let anyListened = false;
  let stopping: { exitCode: number; since: number } | undefined;

  const fork = (index: number) => {
    const slot = slots[index]!;
    slot.listening = false;
    slot.restartTimer = undefined;
    const worker = cluster.fork({ [SLOT_VARIABLE]: String(index) });
    slot.worker = worker;
    worker.on('listening', () => {
      slot.listening = true;
      slot.failedStarts = 0;
      if (!anyListened) log.info({ workers }, 'first gateway worker listening');
      anyListened = true;
      log.info({ worker: index, pid: worker.process.pid }, 'gateway worker listening');
      slot.stableTimer = setTimeout(() => (slot.crashes = 0), STABLE_AFTER_MS);
    });
    // A worker's /metrics asks here for every worker's series (prom-client gathers them over IPC).
    worker.on('message', (message: unknown) => {
      if (!isMetricsMessage(message) || message.text !== undefined || message.error !== undefined) return;
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_MESSAGE, id: message.id, text }),
        (error: unknown) => worker.isConnected() && worker.send({ type: METRICS_MESSAGE, id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
    });
  };

  const finish = (exitCode: number) => {
    for (const slot of slots) {
      clearTimeout(slot.stableTimer);
      clearTimeout(slot.restartTimer);
    }
    process.exit(exitCode);
  };
  const alive = () => slots.filter((slot) => slot.worker && !slot.worker.isDead());

  const stopAll = (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = { exitCode, since: performance.now() };
    log.info({ reason }, 'stopping every gateway worker gracefully');
    for (const slot of slots) clearTimeout(slot.restartTimer);
    const running = alive();
    if (running.length === 0) return finish(exitCode);
    for (const slot of running) slot.worker!.process.kill('SIGTERM');
    setTimeout(() => {
      log.error({ pids: alive().map((slot) => slot.worker!.process.pid) }, 'gateway workers did not stop in time: killing them');
      for (const slot of alive()) slot.worker!.process.kill('SIGKILL');
      finish(1);
    }, shutdownGraceMs + STOP_MARGIN_MS).unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    const index = slots.findIndex((slot) => slot.worker === worker);
    if (index < 0) return;
    const slot = slots[index]!;
    clearTimeout(slot.stableTimer);
    const wasListening = slot.listening;
    slot.listening = false;
    if (stopping) {
      // The SIGTERM sent here ends a worker still starting (its graceful stop is not installed yet): not a failure.
      if ((code !== null && code !== 0) || (signal !== null && signal !== 'SIGTERM' && signal !== 'SIGINT')) stopping.exitCode = 1;
      log.info({ worker: index, pid: worker.process.pid, code, signal }, 'gateway worker stopped');
      if (alive().length === 0) finish(stopping.exitCode);
      return;
    }
    // Never started at all (a config or start-up error every worker shares): no point forking again.
    if (!anyListened) {
      log.error({ worker: index, code, signal }, 'a gateway worker exited before any listened: stopping');
      return stopAll('a worker could not start', typeof code === 'number' && code !== 0 ? code : 1);
    }
    slot.failedStarts = wasListening ? 0 : slot.failedStarts + 1;
    if (slot.failedStarts >= MAX_FAILED_STARTS) {
      log.error({ worker: index, failedStarts: slot.failedStarts }, 'a gateway worker keeps dying before it listens: stopping');
      return stopAll('a worker cannot start any more', 1);
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** slot.crashes);
    slot.crashes += 1;
    log.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delay }, 'a gateway worker exited: replacing it');
    slot.restartTimer = setTimeout(() => fork(index), delay);
  });

  // Ctrl-C reaches the workers too (same process group); their stopOnSignals takes the twin signal as one.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) return stopAll(signal, 0);
    if (performance.now() - stopping.since < 1_000) return;
    log.warn({ signal }, 'second signal while stopping: killing the workers');
    for (const slot of alive()) slot.worker!.process.kill('SIGKILL');
    process.exit(130);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info({ workers }, 'forking gateway workers');
  for (let index = 0; index < workers; index++) fork(index);
}

/** This worker's slot (0..N-1), or undefined outside a cluster. */
export const workerSlot = (): string | undefined => (cluster.isWorker ? (process.env[SLOT_VARIABLE] ?? String(cluster.worker?.id ?? 0)) : undefined);

/**
 * In a worker: labels the registry's series with the worker's slot, adds `gateway_worker_info{pid}`,
 * answers the primary's requests for them, and makes this worker's /metrics answer for every worker
 * (through the primary), so a scrape through the shared port sees the whole machine.
 */
export function joinClusterMetrics(registry: Registry, service: string): void {
  const slot = workerSlot();
  if (slot === undefined) return;
  // prom-client's worker side: answers the primary's gathering with these registries.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  registry.setDefaultLabels({ service, worker: slot });
  new Gauge({ name: 'gateway_worker_info', help: 'One series per gateway worker: its slot and process id.', labelNames: ['pid'] as const, registers: [registry] }).set(
    { pid: String(process.pid) },
    1,
  );
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message)) return;
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if (message.text !== undefined) request.resolve(message.text);
    else request.reject(new Error(message.error ?? 'no metrics'));
  });
  const local = registry.metrics.bind(registry);
  registry.metrics = () => {
    // Without the primary (it is gone, the worker is stopping), this worker's own series.
    if (!process.connected || !process.send) return local();
    const id = next++;
    return new Promise<string>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      process.send!({ type: METRICS_MESSAGE, id });
    });
  };
}
