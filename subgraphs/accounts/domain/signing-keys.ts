import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const TOKEN_ALGORITHM = 'ES256';

export interface SigningKeys {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** Public keys of the active and recently retired keys, as served at /.well-known/jwks.json. */
  readonly jwks: { keys: JWK[] };
}

const isJwk = (value: unknown): value is JWK => typeof value === 'object' && value !== null && 'kty' in value;

/**
 * Loads the active signing key from the database, creating one on first start. Every accounts
 * replica reads the same row, so tokens verify whichever replica issued them.
 */
export async function loadSigningKeys(prisma: PrismaClient, retiredKeyGraceSeconds: number): Promise<SigningKeys> {
  let active = await prisma.signingKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
  if (!active) {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALGORITHM };
    await prisma.signingKey.create({ data: { kid, algorithm: TOKEN_ALGORITHM, privateJwk, publicJwk } });
    // Two replicas starting at once may both insert: the newest wins for everyone.
    active = await prisma.signingKey.findFirstOrThrow({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
  }
  if (!isJwk(active.privateJwk)) throw new Error(`signing key ${active.kid} is not a JWK`);
  const privateKey = (await importJWK(active.privateJwk, TOKEN_ALGORITHM)) as CryptoKey;
  const servable = await prisma.signingKey.findMany({
    where: { OR: [{ retiredAt: null }, { retiredAt: { gt: new Date(Date.now() - retiredKeyGraceSeconds * 1000) } }] },
    orderBy: { createdAt: 'desc' },
  });
  return { kid: active.kid, privateKey, jwks: { keys: servable.map((key) => key.publicJwk).filter(isJwk) } };
}

/**
 * Replaces the active key: the new one signs from now on, the old one stays in the JWKS until
 * every token it signed has expired. Replicas pick the change up at their next refresh.
 */
export async function rotateSigningKey(prisma: PrismaClient): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALGORITHM };
  await prisma.$transaction([
    prisma.signingKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: new Date() } }),
    prisma.signingKey.create({ data: { kid, algorithm: TOKEN_ALGORITHM, privateJwk, publicJwk } }),
  ]);
  return kid;
}

export interface KeyRing {
  /** The keys as of at most `refreshSeconds` ago. */
  current(): Promise<SigningKeys>;
}

/** Caches the signing keys and reads them again after `refreshSeconds`, so a rotation reaches every replica. */
export function createKeyRing(prisma: PrismaClient, retiredKeyGraceSeconds: number, refreshSeconds: number): KeyRing {
  let cached: { keys: Promise<SigningKeys>; at: number } | undefined;
  return {
    current() {
      if (!cached || Date.now() - cached.at > refreshSeconds * 1000) {
        const keys = loadSigningKeys(prisma, retiredKeyGraceSeconds);
        cached = { keys, at: Date.now() };
        keys.catch(() => (cached = undefined));
      }
      return cached.keys;
    },
  };
}
