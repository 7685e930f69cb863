// What the accounts subgraph (which issues access tokens) and the gateway (which verifies them)
// must agree on by default, kept here so neither imports the other.

/** The claims accounts issues and the gateway requires (JWT_ISSUER, JWT_AUDIENCE). */
export const JWT_DEFAULTS = { issuer: 'commerce-supergraph/accounts', audience: 'commerce-supergraph' } as const;

/** Where accounts serves its public signing keys, and the gateway fetches them (JWKS_URL). */
export const JWKS_PATH = '/.well-known/jwks.json';
