import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { SubgraphFetchMetrics } from './subgraph-fetch-metrics.ts';

export interface ResilienceSettings {
  /** Extra attempts for a query fetch after a transient failure. */
  readonly retries: number;
  /** Consecutive failures that open the breaker. */
  readonly breakerThreshold: number;
  /** How long an open breaker waits before letting one trial request through. */
  readonly halfOpenAfterMs: number;
  /** Concurrent fetches to one subgraph; more wait in a queue of `maxQueued`, beyond that are refused. */
  readonly maxConcurrent: number;
  readonly maxQueued: number;
}

export type FailureReason = 'timeout' | 'unreachable' | 'http_5xx' | 'breaker_open' | 'bulkhead_full' | 'other';

/** What a failed fetch means, for metrics, retries and the client's error. */
export function failureReason(error: unknown): FailureReason {
  if (error instanceof BrokenCircuitError) return 'breaker_open';
  if (error instanceof BulkheadRejectedError) return 'bulkhead_full';
  if (!(error instanceof Error)) return 'other';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  // undici (the subgraph transport) names its failures by code.
  const code = (error as { code?: unknown }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_ABORTED') return 'timeout';
  if (typeof code === 'string' && /^(UND_ERR_SOCKET|UND_ERR_CLOSED|UND_ERR_CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH)$/.test(code)) return 'unreachable';
  const status = (error as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
  if (typeof status === 'number') return status >= 500 ? 'http_5xx' : 'other';
  // undici reports refused and reset connections as "fetch failed" with the system error as cause.
  if (error.name === 'TypeError' || /ECONNREFUSED|ECONNRESET|fetch failed|socket/i.test(`${error.message} ${String(error.cause)}`)) return 'unreachable';
  return 'other';
}

const isTransient = (error: Error) => ['timeout', 'unreachable', 'http_5xx'].includes(failureReason(error));

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 3,
};

export interface SubgraphPolicies {
  /** For queries: bulkhead, then retries with backoff and jitter, each attempt through the breaker. */
  readonly read: IPolicy;
  /** For mutations: never retried, since a subgraph may have applied one before failing to answer. */
  readonly write: IPolicy;
}

/** cockatiel policies for one subgraph; every subgraph has its own breaker and bulkhead. */
export function createSubgraphPolicies(subgraph: string, settings: ResilienceSettings, metrics: SubgraphFetchMetrics): SubgraphPolicies {
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: settings.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(settings.breakerThreshold),
  });
  metrics.breakerState.set({ subgraph }, STATE_VALUE[CircuitState.Closed]);
  breaker.onStateChange((state) => metrics.breakerState.set({ subgraph }, STATE_VALUE[state]));

  const limiter = bulkhead(settings.maxConcurrent, settings.maxQueued);
  const queueGauge = () => metrics.bulkheadQueued.set({ subgraph }, settings.maxQueued - limiter.queueSlots);
  limiter.onReject(queueGauge);
  limiter.onSuccess(queueGauge);
  limiter.onFailure(queueGauge);

  const retries = retry(handleWhen(isTransient), {
    maxAttempts: settings.retries,
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
  });
  retries.onRetry(() => metrics.retries.inc({ subgraph }));

  return { read: wrap(limiter, retries, breaker), write: wrap(limiter, breaker) };
}
