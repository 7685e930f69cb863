import type { Logger } from '../logger.ts';

/**
 * A signal that arrives this soon after the first is the same request delivered twice, not an
 * impatient second one: Ctrl-C reaches every process of the terminal's group, and npm forwards
 * the SIGINT/SIGTERM it received to its script as well.
 */
const SAME_REQUEST_MS = 1_000;

export interface SignalStop {
  /** Starts the same graceful stop a signal starts (e.g. when the parent process is gone). */
  stopNow(reason: string): void;
}

/** How long the stop after a crash may take before the process exits anyway (its state is suspect). */
const CRASH_STOP_DEADLINE_MS = 30_000;

/**
 * The one owner of a process's shutdown (Apollo Server's own signal handler is off everywhere):
 * on SIGTERM or SIGINT, runs `stop` once and exits 0 (1 if stopping failed). A further signal
 * more than a second later exits at once with 130, for a person who does not want to wait.
 * An uncaught exception or unhandled rejection (one process may run several servers: `npm start`)
 * prints its cause on stderr, runs the same stop for the others, and exits 1.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): SignalStop {
  let stoppingSince: number | undefined;
  let exitCode = 0;
  const begin = (reason: string) => {
    stoppingSince = performance.now();
    log.info({ reason }, 'stopping gracefully');
    stop().then(
      () => {
        log.info({ reason, ms: Math.round(performance.now() - stoppingSince!) }, 'stopped gracefully');
        process.exit(exitCode);
      },
      (error: unknown) => {
        log.error({ reason, err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince === undefined) return begin(signal);
    if (performance.now() - stoppingSince < SAME_REQUEST_MS) return;
    log.warn({ signal }, 'second signal while stopping: exiting at once');
    process.exit(130);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Node's `origin` tells a throw from a rejection (which its default mode raises as a throw).
  process.on('uncaughtException', (error: unknown, origin: string) => {
    exitCode = 1;
    // Written at once and unformatted, whatever the log format: the one line an operator needs.
    process.stderr.write(
      `${origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception'}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    log.fatal({ err: error, origin }, 'crashed: stopping the rest gracefully');
    if (stoppingSince !== undefined) return;
    setTimeout(() => process.exit(1), CRASH_STOP_DEADLINE_MS).unref();
    begin(origin);
  });
  return {
    stopNow(reason) {
      if (stoppingSince === undefined) begin(reason);
    },
  };
}
