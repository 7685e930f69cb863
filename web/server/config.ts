import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, host, logFormat, logLevel, nodeEnv, parseEnv, port, positiveInt, url } from '../../common/config.ts';
import { defaultLogFormat, type LogFormat } from '../../common/logger.ts';
import { defaultHost } from '../../common/service/subgraph-config.ts';
import { parseTrustedProxies, type TrustedProxies } from '../../gateway/protection/client-ip.ts';

export interface StorefrontConfig {
  readonly host: string;
  readonly port: number;
  /** The gateway's /graphql, which the storefront's own /graphql forwards to (one origin for the browser). */
  readonly gatewayUrl: string;
  /** The built bundle (`vite build`). */
  readonly distDir: string;
  readonly logLevel: z.infer<typeof logLevel>;
  readonly logFormat: LogFormat;
  /** A load balancer in front of the storefront (TRUSTED_PROXIES), whose X-Forwarded-For and x-request-id are kept. */
  readonly trustedProxies: TrustedProxies;
  readonly maxBodyBytes: number;
}

export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

export function loadStorefrontConfig(env: Record<string, string | undefined> = process.env): StorefrontConfig {
  const parsed = parseEnv(
    {
      NODE_ENV: nodeEnv,
      // Loopback outside production, as every service (a laptop's npm start is not on the network).
      HOST: host,
      STOREFRONT_PORT: port(3000).describe('where the storefront listens (`HOST` as above)'),
      GATEWAY_URL: url().default('http://localhost:4000/graphql').describe("the gateway's `/graphql`, where the storefront's own `/graphql` forwards to"),
      STOREFRONT_DIST_DIR: z.string().default(DEFAULT_DIST_DIR).describe('the built bundle (`npm run web:build`)'),
      LOG_LEVEL: logLevel,
      LOG_FORMAT: logFormat,
      TRUSTED_PROXIES: z
        .string()
        .default('')
        .describe(
          "comma-separated addresses and CIDR ranges of the load balancers in front of it, whose `X-Forwarded-For` and `x-request-id` are kept (its own address appended); a browser's own are dropped",
        ),
      MAX_BODY_BYTES: positiveInt(1_000_000).describe('larger request bodies get 413 (it reads a body whole, then forwards it)'),
    },
    env,
  );
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = parseTrustedProxies(parsed.TRUSTED_PROXIES);
  } catch (error) {
    throw new ConfigError([`TRUSTED_PROXIES: ${(error as Error).message}`]);
  }
  return {
    host: parsed.HOST ?? defaultHost(parsed.NODE_ENV),
    port: parsed.STOREFRONT_PORT,
    gatewayUrl: parsed.GATEWAY_URL,
    distDir: parsed.STOREFRONT_DIST_DIR,
    logLevel: parsed.LOG_LEVEL,
    logFormat: defaultLogFormat(parsed.NODE_ENV, parsed.LOG_FORMAT),
    trustedProxies,
    maxBodyBytes: parsed.MAX_BODY_BYTES,
  };
}
