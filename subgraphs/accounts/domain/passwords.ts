import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt from node:crypto: memory-hard, no native addon to build. Parameters are stored in the
// hash so they can be raised later without invalidating existing passwords.
/** scrypt's cost (N) for new hashes: production's, which only PASSWORD_SCRYPT_COST outside production lowers. */
export const PRODUCTION_SCRYPT_COST = 16_384;
const PARAMETERS = { r: 8, p: 1 } as const;
const KEY_LENGTH = 64;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, cost: number = PRODUCTION_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: cost, ...PARAMETERS });
  return ['scrypt', cost, PARAMETERS.r, PARAMETERS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !expected) return false;
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  const expectedKey = Buffer.from(expected, 'base64');
  return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
}

/** Spends the same time as a real check, so an unknown email can't be told from a wrong password. */
const dummyHashes = new Map<number, Promise<string>>();
export async function verifyAgainstNothing(password: string, cost: number = PRODUCTION_SCRYPT_COST): Promise<false> {
  let dummyHash = dummyHashes.get(cost);
  if (dummyHash === undefined) dummyHashes.set(cost, (dummyHash = hashPassword('not-a-real-password', cost)));
  await verifyPassword(password, await dummyHash);
  return false;
}
