import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { PaymentsLoaders } from './data/loaders.ts';

export interface PaymentsContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: PaymentsLoaders;
}
