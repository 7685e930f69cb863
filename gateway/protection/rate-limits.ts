// Rate limits and the log-in budget, one feature: one request drawn from the caller's budget in the
// context (HTTP 429 RATE_LIMITED when spent), the log-in guard and the RateLimit headers as Apollo
// plugins, the shared budgets' Redis in readiness, closed at stop. RATE_LIMIT_ENABLED=false: absent
// (no Redis connection, no metric, no hook), e.g. behind an edge that limits already.
import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { GatewayFeature } from '../feature.ts';
import type { AuthThrottleSettings } from './auth-throttle-plugin.ts';
import type { TrustedProxies } from './client-ip.ts';
import type { RateLimitSettings } from './rate-limiter.ts';
import { createRateLimiting } from './rate-limiting.ts';
import { createRequestAdmission, type Admission } from './request-admission.ts';

export interface RateLimitsSettings {
  readonly rateLimits: RateLimitSettings;
  readonly authThrottle: AuthThrottleSettings;
  /** Mutation fields whose failures count per client address (session refreshes: no account to name). */
  readonly authFailuresPerIp: readonly string[];
  /** Whose X-Forwarded-For names the client (its address is the anonymous caller's budget). */
  readonly trustedProxies: TrustedProxies;
}

export interface RateLimitsFeature extends GatewayFeature {
  /** Draws one request from the caller's budget (throws HttpError 429): for the subscriptions' HTTP streams. */
  readonly admit: (req: IncomingMessage, viewer: Viewer | null) => Promise<Admission>;
}

export function createRateLimits(settings: RateLimitsSettings, { registry, log }: { readonly registry: Registry; readonly log: Logger }): RateLimitsFeature | undefined {
  const rateLimiting = createRateLimiting({ settings: settings.rateLimits, authThrottle: { ...settings.authThrottle, failuresPerIp: settings.authFailuresPerIp }, registry, log });
  if (!rateLimiting) return undefined;
  const admit = createRequestAdmission(settings.trustedProxies, rateLimiting);
  return {
    name: 'rate-limits',
    admit,
    // After token verification: a signed-in caller draws from its user's budget, anyone else from its address's.
    context: (req, context) => admit(req, context.viewer ?? null),
    apolloPlugins: rateLimiting.plugins,
    healthChecks: rateLimiting.healthChecks,
    stop: () => rateLimiting.close(),
  };
}
