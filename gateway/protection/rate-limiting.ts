import type { ApolloServerPlugin } from '@apollo/server';
import type { Registry } from 'prom-client';
import { ErrorCode } from '../../common/errors.ts';
import type { HealthCheck } from '../../common/health.ts';
import { HttpError } from '../../common/http/http-error.ts';
import type { Logger } from '../../common/logger.ts';
import type { GatewayContext, Verdict } from '../context.ts';
import { authThrottlePlugin, type AuthThrottleSettings } from './auth-throttle-plugin.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import { rateLimitHeadersPlugin } from './rate-limit-headers-plugin.ts';
import { createRateLimitMetrics } from './rate-limit-metrics.ts';
import { createRateLimiters, type RateLimitSettings } from './rate-limiter.ts';

/** Rate limiting, everything of it the gateway composes: admission, Apollo hooks, readiness, shutdown. */
export interface RateLimiting {
  /** Draws one request from the caller's budget (the user's when signed in, else the IP's); a spent budget throws 429 RATE_LIMITED. */
  admit(caller: { readonly userId: string } | { readonly ip: string }): Promise<Verdict>;
  /** The log-in guard and the RateLimit headers on every answer. */
  readonly plugins: readonly ApolloServerPlugin<GatewayContext>[];
  /** The shared budgets' Redis, when there is one (not critical: budgets fall back to per-process). */
  readonly healthChecks: readonly HealthCheck[];
  close(): Promise<void>;
}

export interface RateLimitingOptions {
  readonly settings: RateLimitSettings;
  readonly authThrottle: AuthThrottleSettings;
  readonly registry: Registry;
  readonly log: Logger;
}

/**
 * Rate limiting as one unit, or nothing: with RATE_LIMIT_ENABLED=false there is no Redis
 * connection, no readiness entry, no metric and no hook (undefined), e.g. behind an edge that
 * limits already.
 */
export function createRateLimiting({ settings, authThrottle, registry, log }: RateLimitingOptions): RateLimiting | undefined {
  if (!settings.enabled) return undefined;
  const limiters = createRateLimiters(settings, log);
  const rejections = createRateLimitMetrics(registry);
  return {
    async admit(caller) {
      const verdict = await limiters.request(caller);
      if (verdict.allowed) return verdict;
      rejections.inc({ budget: 'request' });
      throw new HttpError(429, ErrorCode.rateLimited, 'Too many requests; slow down.', rateLimitHeaders(verdict), { retryAfterSeconds: verdict.resetSeconds });
    },
    plugins: [authThrottlePlugin(authThrottle, limiters, rejections), rateLimitHeadersPlugin()],
    healthChecks: limiters.usesRedis ? [{ name: 'redis', check: () => limiters.healthCheck(), critical: false }] : [],
    close: () => limiters.close(),
  };
}
