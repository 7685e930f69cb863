import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { GatewayCredentialError, signGatewayCredential, verifyGatewayCredential } from './gateway-credential.ts';

const SECRET = 'a-subgraph-secret-of-enough-length';
const viewer = { id: 'user-1', role: 'CUSTOMER' } as const;

// What the gateway signed before (jose's SignJWT over WebCrypto): the synchronous HMAC must match it claim for claim.
const joseSigned = (subgraph: string, secret: string) =>
  new SignJWT({ rid: 'req-1', role: viewer.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('commerce-gateway')
    .setAudience(subgraph)
    .setIssuedAt()
    .setExpirationTime('60s')
    .setSubject(viewer.id)
    .sign(new TextEncoder().encode(secret));

describe('the gateway credential, signed with a synchronous HMAC', () => {
  it('has the header and claims jose signs, with the same 60 s lifetime', async () => {
    const ours = signGatewayCredential('catalog', SECRET, { viewer, requestId: 'req-1' });
    const theirs = await joseSigned('catalog', SECRET);
    expect(decodeProtectedHeader(ours)).toEqual(decodeProtectedHeader(theirs));
    const claims = decodeJwt(ours);
    expect(Object.keys(claims).sort()).toEqual(Object.keys(decodeJwt(theirs)).sort());
    expect(claims).toMatchObject({ iss: 'commerce-gateway', aud: 'catalog', sub: viewer.id, role: viewer.role, rid: 'req-1' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    // Same second, same claims: byte for byte the token jose makes.
    if (decodeJwt(theirs).iat === claims.iat) expect(ours).toBe(theirs);
  });

  it('is accepted by the subgraph verifier (jose) for a viewer and for an anonymous caller', async () => {
    await expect(verifyGatewayCredential(signGatewayCredential('catalog', SECRET, { viewer, requestId: 'r' }), 'catalog', SECRET)).resolves.toEqual({
      viewer,
      requestId: 'r',
    });
    await expect(verifyGatewayCredential(signGatewayCredential('catalog', SECRET, { viewer: null, requestId: 'r' }), 'catalog', SECRET)).resolves.toEqual({
      viewer: null,
      requestId: 'r',
    });
  });

  it('is refused when signed with another secret, meant for another subgraph, tampered with, or missing', async () => {
    const token = signGatewayCredential('catalog', SECRET, { viewer, requestId: 'r' });
    await expect(verifyGatewayCredential(signGatewayCredential('catalog', 'another-secret-entirely-123', { viewer, requestId: 'r' }), 'catalog', SECRET)).rejects.toBeInstanceOf(
      GatewayCredentialError,
    );
    await expect(verifyGatewayCredential(token, 'accounts', SECRET)).rejects.toBeInstanceOf(GatewayCredentialError);
    const [header, , signature] = token.split('.');
    const escalated = Buffer.from(JSON.stringify({ ...decodeJwt(token), role: 'ADMIN' })).toString('base64url');
    await expect(verifyGatewayCredential(`${header}.${escalated}.${signature}`, 'catalog', SECRET)).rejects.toBeInstanceOf(GatewayCredentialError);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`;
    await expect(verifyGatewayCredential(unsigned, 'catalog', SECRET)).rejects.toBeInstanceOf(GatewayCredentialError);
    await expect(verifyGatewayCredential(undefined, 'catalog', SECRET)).rejects.toBeInstanceOf(GatewayCredentialError);
  });

  it('is refused once expired', async () => {
    const realNow = Date.now;
    Date.now = () => realNow() - 10 * 60_000;
    let old: string;
    try {
      old = signGatewayCredential('catalog', SECRET, { viewer, requestId: 'r' });
    } finally {
      Date.now = realNow;
    }
    await expect(verifyGatewayCredential(old, 'catalog', SECRET)).rejects.toBeInstanceOf(GatewayCredentialError);
  });
});
