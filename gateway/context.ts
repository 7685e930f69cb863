import type { Logger } from '../common/logger.ts';
import type { Viewer } from '../common/viewer.ts';
import type { FetchScope } from './fetch/fetch-types.ts';

/** Where a caller stands in a request budget (gateway/protection/rate-limiter.ts). */
export interface Verdict {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets. */
  readonly resetSeconds: number;
}

export interface GatewayContext {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly log: Logger;
  /** The caller's address (set for HTTP requests). */
  readonly clientIp?: string;
  /** Where the caller stands in its request budget (set for HTTP requests). */
  readonly rateLimit?: Verdict;
  /** State the fetch layers keep for this request (set for HTTP requests; gateway/fetch/fetch-types.ts). */
  readonly fetchScope?: FetchScope;
  /** What else an execution shared with another request must agree on (the client headers forwarded to subgraphs). */
  readonly varyKey?: string;
}
