// Exponential backoff with jitter: both buses' redeliveries and the outbox relay's publish retries.

/** No wait grows beyond this, whatever the attempt number. */
export const MAX_BACKOFF_MS = 10 * 60_000;

const JITTER = 0.2;

/**
 * The wait before retry number `attempt` (1 = after the first failure): `baseMs * 2^(attempt - 1)`,
 * capped at `maxMs`, then spread by +-20 %. Proportional jitter rather than "full jitter" so each wait
 * stays longer than the previous one (1.2 < 2 * 0.8) while retries of messages that failed together,
 * e.g. when a dependency went down, still spread out instead of coming back as one burst.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number = MAX_BACKOFF_MS, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = exponential * JITTER * (random() * 2 - 1);
  return Math.max(0, Math.round(exponential + jitter));
}
