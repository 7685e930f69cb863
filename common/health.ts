/** A dependency the service needs to serve traffic (database, broker, …). */
export interface HealthCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<string, { status: 'ok' | 'unavailable'; error?: string; durationMs: number }>;
}

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check concurrently, each bounded by a timeout so a hung dependency reads as down. */
export async function runHealthChecks(checks: readonly HealthCheck[]): Promise<HealthReport> {
  const entries = await Promise.all(
    checks.map(async ({ name, check }) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
          }),
        ]);
        return [name, { status: 'ok' as const, durationMs: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { status: 'unavailable' as const, error: message, durationMs: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report = Object.fromEntries(entries);
  return { status: entries.every(([, result]) => result.status === 'ok') ? 'ok' : 'unavailable', checks: report };
}
