import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadAccountsConfig, type AccountsConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedAccounts } from './seed.ts';
import { createAccountsServer } from './server.ts';

export const accounts: SubgraphModule<AccountsConfig, PrismaClient> = {
  name: 'accounts',
  loadConfig: loadAccountsConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedAccounts,
  createServer: createAccountsServer,
};
