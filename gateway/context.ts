import type { Logger } from '../common/logger.ts';
import type { Viewer } from '../common/viewer.ts';
import type { CachePolicySink } from './entity-cache/entity-cache.ts';
import type { Verdict } from './protection/rate-limiter.ts';

export interface GatewayContext {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly log: Logger;
  /** The caller's address (set for HTTP requests). */
  readonly clientIp?: string;
  /** Where the caller stands in its request budget (set for HTTP requests). */
  readonly rateLimit?: Verdict;
  /** What this request's subgraph fetches allow its response's Cache-Control to say (entity cache on). */
  readonly cachePolicy?: CachePolicySink;
}
