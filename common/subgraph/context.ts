import type { Logger } from '../logger.ts';
import type { Viewer } from '../viewer.ts';

/** What every subgraph resolver gets; each service extends it with its Prisma client and loaders. */
export interface SubgraphContext {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly log: Logger;
  /** The request's cookies: only those the gateway's header rules forward to this subgraph (docs/header-propagation.md). */
  readonly cookies?: ReadonlyMap<string, string>;
  /** Set-Cookie values this request answers with (the gateway's rules decide which reach the client). */
  readonly setCookies?: string[];
}
