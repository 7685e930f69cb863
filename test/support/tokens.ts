import { SignJWT, importJWK, type JWK } from 'jose';
import type { PrismaClient as AccountsPrisma } from '../../subgraphs/accounts/generated/prisma/client.ts';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import type { TestSupergraph } from './test-supergraph.ts';

/**
 * Signs a token with the accounts service's own active key, with claims the test chooses: one that
 * expires soon or has expired (`exp`, in seconds), or names another issuer or audience.
 */
export async function tokenFromAccountsKey(supergraph: TestSupergraph, claims: { sub: string; role: string; exp: number; iss?: string; aud?: string }): Promise<string> {
  const prisma = supergraph.subgraphs['accounts']!.prisma as AccountsPrisma;
  const key = await prisma.signingKey.findFirstOrThrow({ where: { retiredAt: null } });
  const privateKey = await importJWK(key.privateJwk as JWK, 'ES256');
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setSubject(claims.sub)
    .setIssuer(claims.iss ?? JWT_DEFAULTS.issuer)
    .setAudience(claims.aud ?? JWT_DEFAULTS.audience)
    .setIssuedAt(claims.exp - 900)
    .setExpirationTime(claims.exp)
    .sign(privateKey);
}
