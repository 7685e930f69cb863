// Query plans shared in Redis by every worker and replica, surviving restarts (PLAN_CACHE_REDIS,
// on with REDIS_URL). One hash per supergraph, `<prefix>:<supergraph id>` (the id is the sha256 of
// the supergraph SDL, as hot reload names it), one field per operation (query hash, operation name,
// and the plan's variant: progressive-override draw, @defer); the value is the planner's output as
// JSON (gateway/executor/plan-serialization.ts), from which the executor compiles the rest. The hash
// expires a week after its last write, so plans of supergraphs no longer served go by themselves.
// `npm run schema:publish` writes the trusted documents' plans into the new supergraph's hash
// before it announces it. Redis down or slow: the gateway plans locally (no error); the readiness
// entry `plan-store` is not critical.
import { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { HealthCheck } from '../../common/health.ts';
import type { Logger } from '../../common/logger.ts';
import type { PlanStore } from '../executor/plan-serialization.ts';
import type { GatewayFeature } from '../feature.ts';

/** Plans of a supergraph no longer written to are dropped this long after the last write. */
export const PLAN_TTL_SECONDS = 7 * 24 * 3600;
/** A look-up slower than this plans locally instead (planning a typical operation takes a few ms to a few hundred). */
const COMMAND_TIMEOUT_MS = 500;
/** How long the start waits for Redis before serving without it (it keeps reconnecting). */
const CONNECT_WAIT_MS = 2_000;

/** The hash holding a supergraph's plans. */
export const planHashKey = (keyPrefix: string, supergraphId: string) => `${keyPrefix}:${supergraphId}`;

export type { PlanStore };

export interface SharedPlans extends PlanStore {
  readonly healthChecks: readonly HealthCheck[];
  /** Before listening: waits (briefly) for the connection, so the first requests can read plans; never fails. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface SharedPlansOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly registry: Registry;
  readonly log: Logger;
}

export function createSharedPlans({ redisUrl, keyPrefix, registry, log: parentLog }: SharedPlansOptions): SharedPlans {
  const log = parentLog.child({ component: 'shared-plans' });
  const lookups = new Counter({
    name: 'gateway_query_plan_remote_total',
    help: "Look-ups of a query plan in Redis (plans shared by workers and replicas) after a miss in the process's own cache, by outcome: hit, miss, error (planned locally).",
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: 'gateway_query_plan_remote_writes_total',
    help: 'Query plans written to Redis, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['hit', 'miss', 'error']) lookups.inc({ outcome }, 0);
  const redis = new Redis(redisUrl, {
    // Fail at once while disconnected instead of queueing: the gateway plans locally meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: 'gateway-plans',
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => {
    if (error.message !== lastError) log.warn({ err: error }, 'shared query plans unavailable: planning locally');
    lastError = error.message;
  });
  redis.on('ready', () => (lastError = undefined));
  return {
    async get(supergraphId, operationKey) {
      try {
        const plan = await redis.hget(planHashKey(keyPrefix, supergraphId), operationKey);
        lookups.inc({ outcome: plan === null ? 'miss' : 'hit' });
        return plan ?? undefined;
      } catch {
        lookups.inc({ outcome: 'error' });
        return undefined;
      }
    },
    put(supergraphId, operationKey, plan) {
      const key = planHashKey(keyPrefix, supergraphId);
      redis
        .multi()
        .hset(key, operationKey, plan)
        .expire(key, PLAN_TTL_SECONDS)
        .exec()
        .then(
          () => writes.inc({ outcome: 'ok' }),
          () => writes.inc({ outcome: 'error' }),
        );
    },
    healthChecks: [
      {
        name: 'plan-store',
        critical: false,
        check: async () => {
          await redis.ping();
        },
      },
    ],
    async start() {
      if (redis.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CONNECT_WAIT_MS);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}

/** The shared plans as a gateway feature (on with REDIS_URL unless PLAN_CACHE_REDIS=false); `store` goes to the executor. */
export function createSharedPlansFeature(
  settings: { readonly redisUrl: string | undefined; readonly keyPrefix: string },
  dependencies: { readonly registry: Registry; readonly log: Logger },
): (GatewayFeature & { readonly store: PlanStore }) | undefined {
  if (!settings.redisUrl) return undefined;
  const shared = createSharedPlans({ redisUrl: settings.redisUrl, keyPrefix: settings.keyPrefix, ...dependencies });
  return {
    name: 'shared-plans',
    store: shared,
    // Not critical: without the shared plans each process plans for itself.
    healthChecks: shared.healthChecks,
    start: () => shared.start(),
    stop: () => shared.close(),
  };
}
