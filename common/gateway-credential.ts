import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import { isRole, type Viewer } from './viewer.ts';

/**
 * How the gateway proves itself to a subgraph: a short-lived HS256 token signed with that
 * subgraph's own secret, carrying the caller's verified identity and the request id. A subgraph
 * trusts identity from this token only, so a client-sent header can never grant rights, and a
 * leaked token is useless after its minute and against any other subgraph.
 */
export const GATEWAY_CREDENTIAL_HEADER = 'x-gateway-token';
const ISSUER = 'commerce-gateway';
const LIFETIME_SECONDS = 60;

export interface GatewayAssertion {
  readonly viewer: Viewer | null;
  readonly requestId: string;
}

const keyCache = new Map<string, Uint8Array>();
function secretKey(secret: string): Uint8Array {
  let key = keyCache.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keyCache.set(secret, key);
  }
  return key;
}

const hmacKeys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    hmacKeys.set(secret, key);
  }
  return key;
}

// The protected header jose writes for `setProtectedHeader({ alg: 'HS256' })`.
const PROTECTED_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/**
 * The same compact JWS that jose's SignJWT produces (same header, same claims, same lifetime),
 * signed with a synchronous node:crypto HMAC: jose signs through async WebCrypto, which was among
 * the gateway's top CPU costs with one credential per subgraph fetch. Verification stays jose's.
 */
export function signGatewayCredential(subgraph: string, secret: string, assertion: GatewayAssertion, issuedAt = Math.floor(Date.now() / 1000)): string {
  const claims = {
    rid: assertion.requestId,
    ...(assertion.viewer ? { role: assertion.viewer.role } : {}),
    iss: ISSUER,
    aud: subgraph,
    iat: issuedAt,
    exp: issuedAt + LIFETIME_SECONDS,
    ...(assertion.viewer ? { sub: assertion.viewer.id } : {}),
  };
  const signingInput = `${PROTECTED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = createHmac('sha256', hmacKey(secret)).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

export class GatewayCredentialError extends Error {
  override readonly name = 'GatewayCredentialError';
}

export async function verifyGatewayCredential(token: string | undefined, subgraph: string, secret: string): Promise<GatewayAssertion> {
  if (!token) throw new GatewayCredentialError('missing gateway credential');
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: subgraph,
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: `${LIFETIME_SECONDS * 2}s`,
    });
    const requestId = typeof payload.rid === 'string' ? payload.rid : 'unknown';
    if (payload.sub === undefined) return { viewer: null, requestId };
    if (!isRole(payload.role)) throw new GatewayCredentialError('credential carries no valid role');
    return { viewer: { id: payload.sub, role: payload.role }, requestId };
  } catch (error) {
    if (error instanceof GatewayCredentialError) throw error;
    if (error instanceof joseErrors.JOSEError) throw new GatewayCredentialError(`invalid gateway credential (${error.code})`);
    throw error;
  }
}
