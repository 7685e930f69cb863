import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { logLevel, nodeEnv, parseEnv, port, url } from '../../common/config.ts';
import { defaultHost } from '../../common/service/subgraph-config.ts';

export interface StorefrontConfig {
  readonly host: string;
  readonly port: number;
  /** The gateway's /graphql, which the storefront's own /graphql forwards to (one origin for the browser). */
  readonly gatewayUrl: string;
  /** The built bundle (`vite build`). */
  readonly distDir: string;
  readonly logLevel: z.infer<typeof logLevel>;
}

export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

export function loadStorefrontConfig(env: Record<string, string | undefined> = process.env): StorefrontConfig {
  const parsed = parseEnv(
    {
      NODE_ENV: nodeEnv,
      // Loopback outside production, as every service (a laptop's npm start is not on the network).
      HOST: z.string().optional(),
      STOREFRONT_PORT: port(3000),
      GATEWAY_URL: url().default('http://localhost:4000/graphql'),
      STOREFRONT_DIST_DIR: z.string().default(DEFAULT_DIST_DIR),
      LOG_LEVEL: logLevel,
    },
    env,
  );
  return {
    host: parsed.HOST ?? defaultHost(parsed.NODE_ENV),
    port: parsed.STOREFRONT_PORT,
    gatewayUrl: parsed.GATEWAY_URL,
    distDir: parsed.STOREFRONT_DIST_DIR,
    logLevel: parsed.LOG_LEVEL,
  };
}
