import { batchById } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createAccountsLoaders(prisma: PrismaClient) {
  return {
    userById: batchById(
      (ids) => prisma.user.findMany({ where: { id: { in: ids } } }),
      (user) => user.id,
    ),
  };
}
export type AccountsLoaders = ReturnType<typeof createAccountsLoaders>;
