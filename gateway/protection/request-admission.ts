import type { IncomingMessage } from 'node:http';
import type { Viewer } from '../../common/viewer.ts';
import { clientIp, type TrustedProxies } from './client-ip.ts';
import type { Verdict } from '../context.ts';
import type { RateLimiting } from './rate-limiting.ts';

export interface Admission {
  readonly clientIp: string;
  readonly rateLimit?: Verdict;
}

/**
 * Who is calling (the client's address) and, with rate limiting, one request drawn from the
 * caller's budget before anything else runs (a spent budget is HTTP 429 RATE_LIMITED).
 */
export function createRequestAdmission(trustedProxies: TrustedProxies, rateLimiting: RateLimiting | undefined) {
  return async (req: IncomingMessage, viewer: Viewer | null): Promise<Admission> => {
    const ip = clientIp(req, trustedProxies);
    if (!rateLimiting) return { clientIp: ip };
    return { clientIp: ip, rateLimit: await rateLimiting.admit(viewer ? { userId: viewer.id } : { ip }) };
  };
}
