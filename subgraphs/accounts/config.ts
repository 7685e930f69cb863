import { z } from 'zod';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import { ConfigError, parseEnv, positiveInt } from '../../common/config.ts';
import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';
import { PRODUCTION_SCRYPT_COST } from './domain/passwords.ts';

export interface AccountsConfig extends SubgraphConfig {
  /** scrypt's N for new password hashes (a stored hash keeps its own). */
  readonly passwordScryptCost: number;
  readonly jwt: { readonly issuer: string; readonly audience: string; readonly ttlSeconds: number; readonly keyRefreshSeconds: number; readonly refreshTtlSeconds: number };
}

/** PASSWORD_SCRYPT_COST, as the service and `npm run admin:create` read it: production refuses less than its own cost. */
export function loadPasswordScryptCost(env: Record<string, string | undefined>, nodeEnv: SubgraphConfig['nodeEnv']): number {
  const { PASSWORD_SCRYPT_COST: cost } = parseEnv(
    {
      // Lowered only by tests, which sign up hundreds of users (each hash is ~40 CPU-ms at production's cost).
      PASSWORD_SCRYPT_COST: z.coerce
        .number()
        .int()
        .min(1024)
        .refine((value) => (value & (value - 1)) === 0, 'must be a power of two')
        .default(PRODUCTION_SCRYPT_COST),
    },
    env,
  );
  if (nodeEnv === 'production' && cost < PRODUCTION_SCRYPT_COST) {
    throw new ConfigError([`PASSWORD_SCRYPT_COST: must be at least ${PRODUCTION_SCRYPT_COST} when NODE_ENV=production`]);
  }
  return cost;
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
  const base = loadSubgraphConfig('accounts', env);
  return {
    ...base,
    passwordScryptCost: loadPasswordScryptCost(env, base.nodeEnv),
    jwt: {
      issuer: own.JWT_ISSUER,
      audience: own.JWT_AUDIENCE,
      ttlSeconds: own.JWT_TTL_SECONDS,
      keyRefreshSeconds: own.JWT_KEY_REFRESH_SECONDS,
      refreshTtlSeconds: own.REFRESH_TOKEN_TTL_SECONDS,
    },
  };
}
