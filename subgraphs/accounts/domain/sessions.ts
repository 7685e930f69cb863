import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode, graphQLError, unauthenticated } from '../../../common/errors.ts';
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

interface RefreshDependencies extends SessionDependencies {
  readonly refresh: AccountsConfig['refresh'];
}

// Only the hash is stored: a read of the table does not hand out sessions.
const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex');

// The successor of a used token is kept sealed with a key derived from the used token itself: only
// whoever presents that token again can open it (a read of the table hands out nothing).
const sealKeyOf = (refreshToken: string) => createHash('sha256').update(`successor\u0000${refreshToken}`).digest();

function seal(successor: string, refreshToken: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKeyOf(refreshToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
}

function unseal(sealed: string, refreshToken: string): string | undefined {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !data) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKeyOf(refreshToken), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

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
 * (`usedAt: null`), so of two concurrent refreshes with one token only one makes the successor.
 * Within `graceSeconds` of that, the same token again (a second tab, a retried request) gets the
 * same successor, unless the successor was used or revoked meanwhile; any other replay is a reuse
 * and revokes the whole family. A family refreshes at most `perFamilyPerMinute` times a minute.
 */
export async function refreshSession(dependencies: RefreshDependencies, refreshToken: string): Promise<SessionTokens & { user: User }> {
  const { prisma, keyRing, jwt, refresh } = dependencies;
  const stored = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(refreshToken) } });
  if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) throw invalid();
  const recent = await prisma.refreshToken.count({ where: { familyId: stored.familyId, createdAt: { gt: new Date(Date.now() - 60_000) } } });
  if (recent >= refresh.perFamilyPerMinute) {
    throw graphQLError(ErrorCode.rateLimited, 'This session refreshes too often; try again later.', { retryAfterSeconds: 60 });
  }
  // Claim and successor in one transaction: a concurrent claim of the same token waits for it,
  // then finds it used with its sealed successor (or, past the grace, revokes the family).
  const successor = await prisma.$transaction(async (tx) => {
    const claimed = await tx.refreshToken.updateMany({ where: { id: stored.id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } });
    if (claimed.count !== 1) return null;
    const next = await newRefreshToken(tx, jwt, stored.userId, stored.familyId);
    await tx.refreshToken.update({ where: { id: stored.id }, data: { successorSealed: seal(next.refreshToken, refreshToken) } });
    return next;
  });
  const user = await prisma.user.findUnique({ where: { id: stored.userId } });
  if (successor) {
    if (!user) throw invalid();
    return { ...(await issueAccessToken(user, await keyRing.current(), jwt)), ...successor, user };
  }
  const graced = await withinGrace(prisma, stored.id, refreshToken, refresh.graceSeconds);
  if (graced && user) return { ...(await issueAccessToken(user, await keyRing.current(), jwt)), ...graced, user };
  await revokeFamily(prisma, stored.familyId);
  throw unauthenticated('This session was used elsewhere and has been ended; sign in again.', 'REFRESH_TOKEN_REUSED');
}

/** The successor a used token made, when it was used less than `graceSeconds` ago and its successor is still unused and valid. */
async function withinGrace(prisma: PrismaClient, id: string, refreshToken: string, graceSeconds: number) {
  if (graceSeconds === 0) return undefined;
  const used = await prisma.refreshToken.findUnique({ where: { id } });
  if (!used?.usedAt || used.revokedAt || !used.successorSealed || Date.now() - used.usedAt.getTime() > graceSeconds * 1000) return undefined;
  const successor = unseal(used.successorSealed, refreshToken);
  if (!successor) return undefined;
  const next = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(successor) } });
  if (!next || next.usedAt || next.revokedAt || next.expiresAt.getTime() <= Date.now()) return undefined;
  return { refreshToken: successor, refreshExpiresAt: next.expiresAt };
}

/** Log-out: the refresh token's family is revoked, so no token of this session refreshes again. */
export async function endSession(prisma: PrismaClient, refreshToken: string): Promise<void> {
  const stored = await prisma.refreshToken.findUnique({ where: { tokenHash: hashOf(refreshToken) } });
  if (stored) await revokeFamily(prisma, stored.familyId);
}

// The sealed successors go too: nothing of a revoked family can be opened any more.
const revokeFamily = (prisma: PrismaClient, familyId: string) =>
  prisma.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date(), successorSealed: null } });
