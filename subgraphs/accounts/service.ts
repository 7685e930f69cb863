import { JWKS_PATH } from '../../common/auth-defaults.ts';
import { prismaOpener } from '../../common/database/prisma-client.ts';
import { sendJson } from '../../common/http/http-error.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadAccountsConfig } from './config.ts';
import type { AccountsContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createAccountsLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { seedAccounts } from './seed.ts';
import { createKeyRing } from './domain/signing-keys.ts';

/** The accounts subgraph: users, sign-up and log-in, and the JWKS the gateway verifies tokens with. */
export const accounts = defineSubgraph({
  name: 'accounts',
  loadConfig: loadAccountsConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedAccounts,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  async parts({ config, prisma }) {
    // Retired keys stay in the JWKS as long as a token they signed may live.
    const keyRing = createKeyRing(prisma, config.jwt.ttlSeconds, config.jwt.keyRefreshSeconds);
    await keyRing.current(); // creates the first key on a fresh database
    return { keyRing };
  },
  context: (base, { config, prisma, parts }): AccountsContext => ({
    ...base,
    prisma,
    loaders: createAccountsLoaders(prisma),
    keyRing: parts.keyRing,
    jwt: config.jwt,
    passwordScryptCost: config.passwordScryptCost,
    sessionCookie: config.sessionCookie,
    refresh: config.refresh,
    authenticatedInThisRequest: new Set(),
  }),
  routes: ({ config, parts }) => ({
    [JWKS_PATH]: async (_req, res) =>
      sendJson(res, 200, JSON.stringify((await parts.keyRing.current()).jwks), { 'cache-control': `public, max-age=${config.jwt.keyRefreshSeconds}` }),
  }),
});
