import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../common/logger.ts';
import type { Verdict } from '../context.ts';

export interface Budget {
  /** Requests allowed per window. */
  readonly points: number;
  readonly windowSeconds: number;
}

export interface RateLimitSettings {
  /** Off: no budgets at all (e.g. behind an edge that limits already). */
  readonly enabled: boolean;
  readonly redisUrl: string | undefined;
  readonly keyPrefix: string;
  /** Per signed-in user. */
  readonly user: Budget;
  /** Per client IP, for anonymous callers. */
  readonly anonymous: Budget;
  /** Attempts at the guarded mutations (failed log-ins, sign-ups), per IP and per account. */
  readonly authFailures: Budget;
}

const verdictOf = (limit: number, result: RateLimiterRes, allowed: boolean): Verdict => ({
  allowed,
  limit,
  remaining: Math.max(0, result.remainingPoints),
  resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
});

/**
 * Budgets kept in Redis, so every gateway replica draws from the same one. Each Redis limiter is
 * insured by an in-memory one: when Redis is unreachable the process goes on limiting on its
 * own (per replica), and uses the shared budget again as soon as Redis answers. Without a Redis
 * URL, in memory only (the embedded default). Request budgets and demand control's cost budgets both use it.
 */
export function createBudgetStore(settings: { readonly redisUrl: string | undefined; readonly keyPrefix: string }, log: Logger) {
  const redis = settings.redisUrl
    ? new Redis(settings.redisUrl, {
        // Fail at once while disconnected instead of queueing: the insurance limiter answers then.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      })
    : undefined;
  let redisDown = false;
  redis?.on('error', (error: Error) => {
    if (!redisDown) log.warn({ err: error.message }, 'Redis unreachable: rate limits are per process until it returns');
    redisDown = true;
  });
  redis?.on('ready', () => {
    if (redisDown) log.info('Redis is back: rate limits are shared again');
    redisDown = false;
  });
  return {
    limiter(name: string, budget: Budget): RateLimiterAbstract {
      const memory = new RateLimiterMemory({ keyPrefix: `${settings.keyPrefix}:${name}`, points: budget.points, duration: budget.windowSeconds });
      if (!redis) return memory;
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${settings.keyPrefix}:${name}`,
        points: budget.points,
        duration: budget.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    },
    /** Throws while the shared budgets' Redis does not answer (the in-memory insurance limits meanwhile). */
    async healthCheck(): Promise<void> {
      if (redis && (await redis.ping()) !== 'PONG') throw new Error('Redis did not answer PING');
    },
    usesRedis: redis !== undefined,
    async close(): Promise<void> {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
export type BudgetStore = ReturnType<typeof createBudgetStore>;

export function createRateLimiters(settings: RateLimitSettings, log: Logger) {
  const store = createBudgetStore(settings, log);
  const limiter = store.limiter;
  const requests = { user: limiter('user', settings.user), anonymous: limiter('ip', settings.anonymous) };
  const authFailures = limiter('auth-failures', settings.authFailures);

  const consume = async (store: RateLimiterAbstract, key: string, limit: number): Promise<Verdict> => {
    try {
      return verdictOf(limit, await store.consume(key), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return verdictOf(limit, rejection, false);
      throw rejection;
    }
  };

  return {
    /** One request from a signed-in user (by id) or an anonymous caller (by IP). */
    request: (caller: { userId: string } | { ip: string }) =>
      'userId' in caller ? consume(requests.user, caller.userId, settings.user.points) : consume(requests.anonymous, caller.ip, settings.anonymous.points),
    /**
     * Draws attempts at a guarded mutation (a log-in, a sign-up) before they run: `attempts` maps each
     * key (an IP, an account) to how many of them this operation makes. Counting before execution
     * keeps concurrent requests and many attempts in one operation within the budget. A refusal
     * costs nothing (its draws are given back) and is returned as a verdict; null means go ahead.
     */
    async authAttempt(attempts: ReadonlyMap<string, number>): Promise<Verdict | null> {
      const drawn: [string, number][] = [];
      let refusal: Verdict | null = null;
      for (const [key, count] of attempts) {
        try {
          await authFailures.consume(key, count);
          drawn.push([key, count]);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          drawn.push([key, count]);
          refusal ??= verdictOf(settings.authFailures.points, rejection, false);
        }
      }
      if (refusal) for (const [key, count] of drawn) await authFailures.reward(key, count);
      return refusal;
    },
    /** Gives an attempt back (a log-in that succeeded counts against nobody). */
    async authRefund(keys: readonly string[]): Promise<void> {
      for (const key of keys) await authFailures.reward(key, 1);
    },
    healthCheck: store.healthCheck,
    usesRedis: store.usesRedis,
    close: store.close,
  };
}
export type RateLimiters = ReturnType<typeof createRateLimiters>;
