import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, booleanFlag, logLevel, nodeEnv, parseEnv, port, positiveInt } from '../common/config.ts';
import { SERVICE_PORTS, devSubgraphSecret, type SubgraphName } from '../common/service/subgraph-config.ts';
import { JWT_DEFAULTS } from '../subgraphs/accounts/config.ts';

export const SUBGRAPH_NAMES = Object.keys(SERVICE_PORTS).filter((name): name is SubgraphName => name !== 'gateway');

export interface SubgraphEndpoint {
  readonly url: string;
  /** Unset only in production, where the gateway refuses to route to a subgraph without one. */
  readonly secret: string | undefined;
  readonly secretVariable: string;
}

export interface GatewayConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly logLevel: z.infer<typeof logLevel>;
  readonly supergraphPath: string;
  readonly subgraphs: Readonly<Record<SubgraphName, SubgraphEndpoint>>;
  readonly jwt: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string };
  readonly introspection: boolean;
  readonly maxBodyBytes: number;
  readonly subgraphTimeoutMs: number;
}

const urlVariable = (name: SubgraphName) => `SUBGRAPH_URL_${name.toUpperCase()}`;
const secretVariable = (name: SubgraphName) => `SUBGRAPH_SECRET_${name.toUpperCase()}`;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = parseEnv(
    {
      NODE_ENV: nodeEnv,
      HOST: z.string().default('0.0.0.0'),
      PORT: port(SERVICE_PORTS.gateway),
      LOG_LEVEL: logLevel,
      SUPERGRAPH_PATH: z.string().default('supergraph.graphql'),
      JWKS_URL: z.string().url().default(`http://localhost:${SERVICE_PORTS.accounts}/.well-known/jwks.json`),
      JWT_ISSUER: z.string().default(JWT_DEFAULTS.issuer),
      JWT_AUDIENCE: z.string().default(JWT_DEFAULTS.audience),
      INTROSPECTION: booleanFlag(true),
      MAX_BODY_BYTES: positiveInt(1_000_000),
      SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
    },
    env,
  );
  const production = parsed.NODE_ENV === 'production';
  const issues: string[] = [];
  const subgraphs = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => {
      const url = env[urlVariable(name)] || `http://localhost:${SERVICE_PORTS[name]}/graphql`;
      if (!z.string().url().safeParse(url).success) issues.push(`${urlVariable(name)}: must be a URL`);
      const secret = env[secretVariable(name)] || undefined;
      if (secret !== undefined && secret.length < 16) issues.push(`${secretVariable(name)}: must be at least 16 characters`);
      return [name, { url, secret: secret ?? (production ? undefined : devSubgraphSecret(name)), secretVariable: secretVariable(name) }];
    }),
  ) as Record<SubgraphName, SubgraphEndpoint>;
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    nodeEnv: parsed.NODE_ENV,
    host: parsed.HOST,
    port: parsed.PORT,
    logLevel: parsed.LOG_LEVEL,
    supergraphPath: resolve(parsed.SUPERGRAPH_PATH),
    subgraphs,
    jwt: { jwksUrl: parsed.JWKS_URL, issuer: parsed.JWT_ISSUER, audience: parsed.JWT_AUDIENCE },
    // Production hides the schema unless INTROSPECTION is set explicitly.
    introspection: production ? env['INTROSPECTION'] === 'true' : parsed.INTROSPECTION,
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    subgraphTimeoutMs: parsed.SUBGRAPH_TIMEOUT_MS,
  };
}
