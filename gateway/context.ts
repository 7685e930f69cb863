import type { Logger } from '../common/logger.ts';
import type { Viewer } from '../common/viewer.ts';
import type { CachePolicySink } from './entity-cache/entity-cache.ts';
import type { FetchScope } from './fetch/fetch-types.ts';
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
  /** State the subgraph fetch's layers keep for this request (header propagation: headers to send and to answer with). */
  readonly fetchScope?: FetchScope;
  /** What else an execution shared with another request must agree on (the client headers forwarded to subgraphs). */
  readonly varyKey?: string;
}
