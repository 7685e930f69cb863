import { z } from 'zod';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import { parseEnv, positiveInt } from '../../common/config.ts';
import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export interface AccountsConfig extends SubgraphConfig {
  readonly jwt: { readonly issuer: string; readonly audience: string; readonly ttlSeconds: number; readonly keyRefreshSeconds: number; readonly refreshTtlSeconds: number };
}

export function loadAccountsConfig(env: Record<string, string | undefined> = process.env): AccountsConfig {
  const own = parseEnv(
    {
      JWT_ISSUER: z.string().default(JWT_DEFAULTS.issuer),
      JWT_AUDIENCE: z.string().default(JWT_DEFAULTS.audience),
      JWT_TTL_SECONDS: positiveInt(900),
      JWT_KEY_REFRESH_SECONDS: positiveInt(60),
      REFRESH_TOKEN_TTL_SECONDS: positiveInt(14 * 24 * 3600),
    },
    env,
  );
  return {
    ...loadSubgraphConfig('accounts', env),
    jwt: {
      issuer: own.JWT_ISSUER,
      audience: own.JWT_AUDIENCE,
      ttlSeconds: own.JWT_TTL_SECONDS,
      keyRefreshSeconds: own.JWT_KEY_REFRESH_SECONDS,
      refreshTtlSeconds: own.REFRESH_TOKEN_TTL_SECONDS,
    },
  };
}
