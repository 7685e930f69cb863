import { z } from 'zod';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import { ConfigError, optionalFlag, parseEnv, positiveInt } from '../../common/config.ts';
import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';
import { PRODUCTION_SCRYPT_COST } from './domain/passwords.ts';
import { SESSION_COOKIE_NAME, SESSION_COOKIE_PATH, type SessionCookieSettings } from './domain/session-cookie.ts';

export interface AccountsConfig extends SubgraphConfig {
  /** scrypt's N for new password hashes (a stored hash keeps its own). */
  readonly passwordScryptCost: number;
  readonly jwt: { readonly issuer: string; readonly audience: string; readonly ttlSeconds: number; readonly keyRefreshSeconds: number; readonly refreshTtlSeconds: number };
  /** The refresh token's cookie. */
  readonly sessionCookie: SessionCookieSettings;
  /** Refresh rotation: a used token presented again this soon returns the same successor; refreshes per family per minute. */
  readonly refresh: { readonly graceSeconds: number; readonly perFamilyPerMinute: number };
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
        .default(PRODUCTION_SCRYPT_COST)
        .describe("scrypt's N for new password hashes (a stored hash keeps its own); a power of two from 1024; production refuses less than 16384 (the tests use 1024)"),
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
      JWT_ISSUER: z.string().default(JWT_DEFAULTS.issuer).describe('the `iss` claim of the tokens it issues (the gateway requires the same)'),
      JWT_AUDIENCE: z.string().default(JWT_DEFAULTS.audience).describe('the `aud` claim of the tokens it issues (the gateway requires the same)'),
      JWT_TTL_SECONDS: positiveInt(900).describe('access token lifetime'),
      JWT_KEY_REFRESH_SECONDS: positiveInt(60).describe('a new signing key (`npm run keys:rotate`) is picked up by every replica within this many seconds'),
      REFRESH_TOKEN_TTL_SECONDS: positiveInt(14 * 24 * 3600).describe('refresh token lifetime (each refresh issues a new one)'),
      REFRESH_GRACE_SECONDS: z.coerce
        .number()
        .int()
        .min(0)
        .max(60)
        .default(10)
        .describe(
          'a used refresh token presented again within this many seconds (two tabs, a retried request) returns the same successor; later it is reuse and ends the session; `0`: no grace',
        ),
      REFRESH_PER_FAMILY_PER_MINUTE: positiveInt(20).describe('refreshes of one session (token family) per minute; beyond it `RATE_LIMITED` with `retryAfterSeconds`'),
      SESSION_COOKIE_SECURE: optionalFlag.meta({
        description: 'the refresh-token cookie carries `Secure` (browsers then send it over HTTPS only, and http://localhost)',
        unset: '`false`: development and tests on plain http://localhost',
        production: 'always `true`, whatever it says',
      }),
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
    sessionCookie: {
      name: SESSION_COOKIE_NAME,
      path: SESSION_COOKIE_PATH,
      // Production never sends the session over plain HTTP, whatever the variable says.
      secure: base.nodeEnv === 'production' ? true : (own.SESSION_COOKIE_SECURE ?? false),
    },
    refresh: { graceSeconds: own.REFRESH_GRACE_SECONDS, perFamilyPerMinute: own.REFRESH_PER_FAMILY_PER_MINUTE },
  };
}
