import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { unauthenticated } from '../../common/errors.ts';
import type { AccountsConfig } from './config.ts';
import type { PrismaClient, User } from './generated/prisma/client.ts';
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

async function issue({ prisma, keyRing, jwt }: SessionDependencies, user: Pick<User, 'id' | 'role'>, familyId: string): Promise<SessionTokens> {
  const refreshToken = randomBytes(32).toString('base64url');
  const refreshExpiresAt = new Date(Date.now() + jwt.refreshTtlSeconds * 1000);
  await prisma.refreshToken.create({ data: { tokenHash: hashOf(refreshToken), familyId, userId: user.id, expiresAt: refreshExpiresAt } });
  return { ...(await issueAccessToken(user, await keyRing.current(), jwt)), refreshToken, refreshExpiresAt };
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
  const { prisma } = dependencies;
  const stored = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(refreshToken) } });
  if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) throw invalid();
  const claimed = await prisma.refreshToken.updateMany({ where: { id: stored.id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } });
  if (claimed.count === 0) {
    await revokeFamily(prisma, stored.familyId);
    throw unauthenticated('This session was used elsewhere and has been ended; sign in again.', 'REFRESH_TOKEN_REUSED');
  }
  const user = await prisma.user.findUnique({ where: { id: stored.userId } });
  if (!user) throw invalid();
  return { ...(await issue(dependencies, user, stored.familyId)), user };
}

/** Log-out: the refresh token's family is revoked, so no token of this session refreshes again. */
export async function endSession(prisma: PrismaClient, refreshToken: string): Promise<void> {
  const stored = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(refreshToken) } });
  if (stored) await revokeFamily(prisma, stored.familyId);
}

const revokeFamily = (prisma: PrismaClient, familyId: string) =>
  prisma.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
