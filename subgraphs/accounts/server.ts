import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { JWKS_PATH } from '../../common/auth-defaults.ts';
import { sendJson } from '../../common/http/http-error.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { AccountsConfig } from './config.ts';
import type { AccountsContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createAccountsLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { createKeyRing } from './signing-keys.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The accounts subgraph: users, sign-up and log-in, and the JWKS the gateway verifies tokens with. */
export async function createAccountsServer(dependencies: SubgraphDependencies<AccountsConfig, PrismaClient>) {
  const { config, prisma } = dependencies;
  // Retired keys stay in the JWKS as long as a token they signed may live.
  const keyRing = createKeyRing(prisma, config.jwt.ttlSeconds, config.jwt.keyRefreshSeconds);
  await keyRing.current(); // creates the first key on a fresh database
  return createSubgraphServer<AccountsContext>({
    name: 'accounts',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createAccountsLoaders(prisma), keyRing, jwt: config.jwt, authenticatedInThisRequest: new Set() }),
    routes: {
      [JWKS_PATH]: async (_req, res) =>
        sendJson(res, 200, JSON.stringify((await keyRing.current()).jwks), { 'cache-control': `public, max-age=${config.jwt.keyRefreshSeconds}` }),
    },
  });
}
