import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { unauthenticated } from '../../../common/errors.ts';
import type { AccountsConfig } from '../config.ts';
import type { PrismaClient, User } from '../generated/prisma/client.ts';
import { issueAccessToken } from './tokens.ts';
import type { KeyRing } from './signing-keys.ts';

/** What signUp, logIn and refreshSession answer: an access token and the next refresh token. */
export interface SessionTokens {
  readonly token: string;
  readonly expiresAt: Date;
  readonly refreshToken: string;
  readonly refreshExpiresAt: Date;
}

interface SessionDependencies {
  readonly prisma: PrismaClient;
  readonly keyRing: KeyRing;
  readonly jwt: AccountsConfig['jwt'];
}

// Only the hash is stored: a read of the table does not hand out sessions.
const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex');

type RefreshTokenWriter = Pick<PrismaClient, 'refreshToken'>;

/** A new refresh token in the family, written with `db` (inside the caller's transaction when there is one). */
async function newRefreshToken(db: RefreshTokenWriter, jwt: AccountsConfig['jwt'], userId: string, familyId: string) {
  const refreshToken = randomBytes(32).toString('base64url');
  const refreshExpiresAt = new Date(Date.now() + jwt.refreshTtlSeconds * 1000);
  await db.refreshToken.create({ data: { tokenHash: hashOf(refreshToken), familyId, userId, expiresAt: refreshExpiresAt } });
  return { refreshToken, refreshExpiresAt };
}

async function issue({ prisma, keyRing, jwt }: SessionDependencies, user: Pick<User, 'id' | 'role'>, familyId: string): Promise<SessionTokens> {
  const refresh = await newRefreshToken(prisma, jwt, user.id, familyId);
  return { ...(await issueAccessToken(user, await keyRing.current(), jwt)), ...refresh };
}

/** A new session (a new token family) for a user who just proved their password. */
export const startSession = (dependencies: SessionDependencies, user: Pick<User, 'id' | 'role'>) => issue(dependencies, user, randomUUID());

const invalid = () => unauthenticated('The session has ended; sign in again.', 'REFRESH_TOKEN_INVALID');

/**
 * Rotation with reuse detection: a refresh token works once. Marking it used is conditional
 * (`usedAt: null`), so of two concurrent refreshes with one token only one wins; the other, and
 * any later replay, is a reuse and revokes the whole family.
 */
export async function refreshSession(dependencies: SessionDependencies, refreshToken: string): Promise<SessionTokens & { user: User }> {
  const { prisma, keyRing, jwt } = dependencies;
  const stored = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(refreshToken) } });
  if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) throw invalid();
  // Claim and successor in one transaction: a concurrent claim of the same token waits for it,
  // finds it used, and its family revocation then also reaches the successor.
  const successor = await prisma.$transaction(async (tx) => {
    const claimed = await tx.refreshToken.updateMany({ where: { id: stored.id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } });
    return claimed.count === 1 ? newRefreshToken(tx, jwt, stored.userId, stored.familyId) : null;
  });
  if (!successor) {
    await revokeFamily(prisma, stored.familyId);
    throw unauthenticated('This session was used elsewhere and has been ended; sign in again.', 'REFRESH_TOKEN_REUSED');
  }
  const user = await prisma.user.findUnique({ where: { id: stored.userId } });
  if (!user) throw invalid();
  return { ...(await issueAccessToken(user, await keyRing.current(), jwt)), ...successor, user };
}

/** Log-out: the refresh token's family is revoked, so no token of this session refreshes again. */
export async function endSession(prisma: PrismaClient, refreshToken: string): Promise<void> {
  const stored = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(refreshToken) } });
  if (stored) await revokeFamily(prisma, stored.familyId);
}

const revokeFamily = (prisma: PrismaClient, familyId: string) => prisma.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
