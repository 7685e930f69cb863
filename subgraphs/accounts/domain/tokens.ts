import { SignJWT } from 'jose';
import { SCOPES_BY_ROLE } from '../../../common/viewer.ts';
import type { AccountsConfig } from '../config.ts';
import type { User } from '../generated/prisma/client.ts';
import { TOKEN_ALGORITHM, type SigningKeys } from './signing-keys.ts';

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** A short-lived access token: subject is the user id; the role and its scopes (`scope`, space separated) ride along for the gateway. */
export async function issueAccessToken(user: Pick<User, 'id' | 'role'>, keys: SigningKeys, jwt: AccountsConfig['jwt']): Promise<IssuedToken> {
  const expiresAt = new Date(Date.now() + jwt.ttlSeconds * 1000);
  const token = await new SignJWT({ role: user.role, scope: SCOPES_BY_ROLE[user.role].join(' ') })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keys.privateKey);
  return { token, expiresAt };
}
