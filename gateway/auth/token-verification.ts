// Token verification: the viewer of each request over HTTP, from its Authorization header (a bad
// token is HTTP 401 before GraphQL runs); its `verify` is what graphql-ws checks connection_init with.
import type { GatewayConfig } from '../config.ts';
import type { GatewayFeature } from '../feature.ts';
import { createAccessTokenVerifier, type AccessTokenVerifier, type AccessTokenVerifierOptions } from './access-token-verifier.ts';

export interface TokenVerificationFeature extends GatewayFeature {
  /** Verifies a `Bearer <token>` value; for the subscription transports. */
  readonly verify: AccessTokenVerifier['verify'];
}

/** Always on: without a token the viewer is null (anonymous). */
export function createTokenVerification(
  settings: GatewayConfig['jwt'],
  { keySet }: { readonly keySet?: AccessTokenVerifierOptions['keySet'] | undefined },
): TokenVerificationFeature {
  const viewerFrom = createAccessTokenVerifier({ ...settings, ...(keySet ? { keySet } : {}) });
  return {
    name: 'token-verification',
    verify: viewerFrom.verify,
    context: async (req) => ({ viewer: await viewerFrom(req.headers.authorization) }),
  };
}
