// A unique viewer per request (issue 29): access tokens signed ahead, each for a viewer of its own,
// and the key set that verifies them served over HTTP as the accounts subgraph serves its JWKS.
// Grafbase's benchmark sends a unique authorization header per request for the same reason:
// requests of different viewers cannot share an execution or a subgraph fetch.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { JWKS_PATH, JWT_DEFAULTS } from '../../common/auth-defaults.ts';

export interface ViewerTokens {
  /** Where the gateway fetches the key set (JWKS_URL). */
  readonly jwksUrl: string;
  /** `Bearer <token>` values, each naming a different viewer. */
  readonly authorizations: readonly string[];
  close(): Promise<void>;
}

export async function createViewerTokens(count: number): Promise<ViewerTokens> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const jwks = JSON.stringify({ keys: [jwk] });
  const server = createServer((req, res) => {
    res.writeHead(req.url === JWKS_PATH ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === JWKS_PATH ? jwks : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const authorizations: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const token = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .setSubject(`bench-viewer-${index}`)
      .setIssuer(JWT_DEFAULTS.issuer)
      .setAudience(JWT_DEFAULTS.audience)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(privateKey);
    authorizations.push(`Bearer ${token}`);
  }
  return {
    jwksUrl: `http://127.0.0.1:${port}${JWKS_PATH}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
