import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { AccountsConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { AccountsLoaders } from './data/loaders.ts';
import type { KeyRing } from './domain/signing-keys.ts';

export interface AccountsContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: AccountsLoaders;
  readonly keyRing: KeyRing;
  readonly jwt: AccountsConfig['jwt'];
  readonly passwordScryptCost: number;
  readonly sessionCookie: AccountsConfig['sessionCookie'];
  readonly refresh: AccountsConfig['refresh'];
  /** Users who proved their password in this very request (signUp, logIn). */
  readonly authenticatedInThisRequest: Set<string>;
}
