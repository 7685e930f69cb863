import type { Verdict } from '../context.ts';

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), plus Retry-After on refusal. */
export function rateLimitHeaders(verdict: Verdict): Record<string, string> {
  return {
    'ratelimit-limit': String(verdict.limit),
    'ratelimit-remaining': String(verdict.remaining),
    'ratelimit-reset': String(verdict.resetSeconds),
    ...(verdict.allowed ? {} : { 'retry-after': String(verdict.resetSeconds) }),
  };
}
