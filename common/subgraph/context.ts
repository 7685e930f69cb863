import type { Logger } from '../logger.ts';
import type { Viewer } from '../viewer.ts';

/** What every subgraph resolver gets; each service extends it with its Prisma client and loaders. */
export interface SubgraphContext {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly log: Logger;
}
