/**
 * A dependency the service needs to serve traffic (database, broker, …). A check that is not
 * `critical` is one the service can do without for a while (a fallback covers it): when it fails
 * the report says `degraded` and readiness stays 200, so a load balancer keeps sending traffic.
 */
export interface HealthCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
  /** Default true: a failure makes the service unready (503). */
  readonly critical?: boolean;
}

type CheckStatus = 'ok' | 'unavailable';

export interface HealthReport {
  /** `ok`: all answer; `degraded`: only non-critical ones fail (still ready); `unavailable`: a critical one fails. */
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly checks: Record<string, { status: CheckStatus; critical: boolean; error?: string; durationMs: number }>;
}

/** How long a check may take before it reads as down (HEALTH_CHECK_TIMEOUT_MS on a subgraph). */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 2_000;

/** Runs every check concurrently, each bounded by a timeout so a hung dependency reads as down. */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = DEFAULT_HEALTH_CHECK_TIMEOUT_MS): Promise<HealthReport> {
  const entries = await Promise.all(
    checks.map(async ({ name, check, critical = true }) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { status: 'ok' as const, critical, durationMs: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { status: 'unavailable' as const, critical, error: message, durationMs: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = entries.filter(([, result]) => result.status !== 'ok');
  const status = failed.length === 0 ? 'ok' : failed.some(([, result]) => result.critical) ? 'unavailable' : 'degraded';
  return { status, checks: Object.fromEntries(entries) };
}

/** Ready (200) unless a critical dependency is down. */
export const isReady = (report: HealthReport) => report.status !== 'unavailable';
