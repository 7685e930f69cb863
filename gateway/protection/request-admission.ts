import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../common/http/http-error.ts';
import type { Viewer } from '../../common/viewer.ts';
import { clientIp, type TrustedProxies } from './client-ip.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { RateLimitMetrics } from './rate-limit-metrics.ts';
import type { RateLimiters, Verdict } from './rate-limiter.ts';

export interface Admission {
  readonly clientIp: string;
  readonly rateLimit?: Verdict;
}

/**
 * Draws one request from the caller's budget (the user's when signed in, else the IP's) before
 * anything else runs; an exhausted budget is HTTP 429 with Retry-After and RATE_LIMITED.
 */
export function createRequestAdmission(limiters: RateLimiters, trustedProxies: TrustedProxies, enabled: boolean, rejections: RateLimitMetrics) {
  return async (req: IncomingMessage, viewer: Viewer | null): Promise<Admission> => {
    const ip = clientIp(req, trustedProxies);
    if (!enabled) return { clientIp: ip };
    const verdict = await limiters.request(viewer ? { userId: viewer.id } : { ip });
    if (!verdict.allowed) {
      rejections.inc({ budget: 'request' });
      throw new HttpError(429, 'RATE_LIMITED', 'Too many requests; slow down.', rateLimitHeaders(verdict), {
        retryAfterSeconds: verdict.resetSeconds,
      });
    }
    return { clientIp: ip, rateLimit: verdict };
  };
}
