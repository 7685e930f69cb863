import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { devSubgraphSecret } from '../../common/service/subgraph-config.ts';
import { errorCodes, graphql } from '../../test/support/graphql-client.ts';
import { logInAsAdmin, logInAsCustomer, type Session } from '../../test/support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../test/support/test-supergraph.ts';
import { tokenFromAccountsKey } from '../../test/support/tokens.ts';
import { LogInDocument, LogOutDocument, MeDocument, RefreshSessionDocument, SignUpDocument } from '../../sdk/index.ts';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

let supergraph: TestSupergraph;
let gateway: string;
let accountsUrl: string;
let admin: Session;
let customer: Session;

beforeAll(async () => {
  // Without rotation grace, so that every replay here is reuse, and without the per-address budget
  // on failed refreshes, which this file's refusals would spend (both: session-cookie.test.ts).
  supergraph = await startTestSupergraph({ env: { REFRESH_GRACE_SECONDS: '0', AUTH_RATE_LIMIT_FAILURE_FIELDS: 'none' } });
  gateway = supergraph.gatewayUrl;
  accountsUrl = `${supergraph.subgraphs['accounts']!.url}/graphql`;
  [admin, customer] = await Promise.all([logInAsAdmin(gateway), logInAsCustomer(gateway)]);
});
afterAll(() => supergraph?.stop());

describe('sign-up, log-in and me through the gateway', () => {
  it('signs up, logs in and reads its own profile', async () => {
    const email = `new-${randomUUID()}@shop.test`;
    const signedUp = await graphql(gateway, SignUpDocument, {
      input: { email: email.toUpperCase(), password: 'correct horse battery', name: 'New Customer' },
    });
    expect(signedUp.errors).toBeUndefined();
    expect(signedUp.data?.signUp.user).toMatchObject({ email, role: 'CUSTOMER' });

    const loggedIn = await graphql(gateway, LogInDocument, { input: { email, password: 'correct horse battery' } });
    expect(loggedIn.data?.logIn.user.id).toBe(signedUp.data?.signUp.user.id);

    const me = await graphql(gateway, MeDocument, {}, { token: loggedIn.data!.logIn.token });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toEqual({ id: signedUp.data!.signUp.user.id, name: 'New Customer', email, role: 'CUSTOMER' });
  });

  it('answers me with null for an anonymous caller', async () => {
    const me = await graphql(gateway, MeDocument);
    expect(me.status).toBe(200);
    expect(me.data).toEqual({ me: null });
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    for (const input of [
      { email: 'customer@shop.test', password: 'not-the-password' },
      { email: 'nobody@shop.test', password: 'not-the-password' },
    ]) {
      const response = await graphql(gateway, LogInDocument, { input });
      expect(response.data).toBeNull();
      expect(errorCodes(response)).toEqual(['INVALID_CREDENTIALS']);
      expect(response.errors?.[0]?.message).toBe('The email or password is wrong.');
    }
  });

  it('refuses a taken email and a short password with their own codes, creating nothing', async () => {
    const prisma = supergraph.subgraphs['accounts']!.prisma as PrismaClient;
    const before = await prisma.user.count();
    const taken = await graphql(gateway, SignUpDocument, { input: { email: 'customer@shop.test', password: 'long enough pw', name: 'X' } });
    expect(errorCodes(taken)).toEqual(['EMAIL_TAKEN']);
    const short = await graphql(gateway, SignUpDocument, { input: { email: `s-${randomUUID()}@shop.test`, password: 'short', name: 'X' } });
    expect(errorCodes(short)).toEqual(['BAD_USER_INPUT']);
    expect(short.errors?.[0]?.extensions?.['field']).toBe('password');
    expect(await prisma.user.count()).toBe(before);
  });
});

describe('tokens the gateway refuses', () => {
  const refusedWith = async (token: string, reason: string | string[]) => {
    const response = await graphql(gateway, MeDocument, {}, { token });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    const reasons = Array.isArray(reason) ? reason : [reason];
    expect(reasons).toContain(response.errors?.[0]?.extensions?.['reason']);
    expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  };

  it('refuses an expired token', async () => {
    const token = await tokenFromAccountsKey(supergraph, { sub: customer.userId, role: 'CUSTOMER', exp: Math.floor(Date.now() / 1000) - 60 });
    await refusedWith(token, 'TOKEN_EXPIRED');
  });

  it('refuses a token signed by another key under the real key id', async () => {
    const prisma = supergraph.subgraphs['accounts']!.prisma as PrismaClient;
    const { kid } = await prisma.signingKey.findFirstOrThrow({ where: { retiredAt: null } });
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject(customer.userId)
      .setIssuer(JWT_DEFAULTS.issuer)
      .setAudience(JWT_DEFAULTS.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await refusedWith(forged, 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses a token signed by a key the JWKS does not have', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'ES256', kid: 'not-a-known-key' })
      .setSubject(customer.userId)
      .setIssuer(JWT_DEFAULTS.issuer)
      .setAudience(JWT_DEFAULTS.audience)
      .setExpirationTime('5m')
      .sign(privateKey);
    await refusedWith(forged, 'TOKEN_KEY_UNKNOWN');
  });

  it('refuses alg: none', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      sub: admin.userId,
      role: 'ADMIN',
      iss: JWT_DEFAULTS.issuer,
      aud: JWT_DEFAULTS.audience,
      exp: Math.floor(Date.now() / 1000) + 300,
    })}.`;
    await refusedWith(unsigned, ['TOKEN_ALGORITHM_NOT_ALLOWED', 'TOKEN_MALFORMED']);
  });

  it('refuses a token for another audience or issuer', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    await refusedWith(await tokenFromAccountsKey(supergraph, { sub: customer.userId, role: 'CUSTOMER', exp, aud: 'someone-else' }), 'TOKEN_CLAIM_INVALID');
    await refusedWith(await tokenFromAccountsKey(supergraph, { sub: customer.userId, role: 'CUSTOMER', exp, iss: 'evil' }), 'TOKEN_CLAIM_INVALID');
  });

  it('refuses garbage in the Authorization header', async () => {
    await refusedWith('not.a.jwt', 'TOKEN_MALFORMED');
  });
});

describe('who may read an email', () => {
  const USER = /* GraphQL */ `query User($id: ID!) { user(id: $id) { id name email } }`;

  it('shows a customer their own email and hides everyone else’s', async () => {
    const own = await graphql<{ user: { email: string | null } }>(gateway, USER, { id: customer.userId }, { token: customer.token });
    expect(own.errors).toBeUndefined();
    expect(own.data?.user.email).toBe('customer@shop.test');

    const other = await graphql<{ user: { name: string; email: string | null } }>(gateway, USER, { id: admin.userId }, { token: customer.token });
    expect(other.data?.user).toEqual({ id: admin.userId, name: 'Ada Admin', email: null });
    expect(other.errors?.map((error) => [error.path, error.extensions?.['code']])).toEqual([[['user', 'email'], 'FORBIDDEN']]);
  });

  it('shows an admin any email', async () => {
    const response = await graphql<{ user: { email: string } }>(gateway, USER, { id: customer.userId }, { token: admin.token });
    expect(response.errors).toBeUndefined();
    expect(response.data?.user.email).toBe('customer@shop.test');
  });

  it('protects the email the same way when the user is reached through _entities', async () => {
    const credential = await signGatewayCredential('accounts', devSubgraphSecret('accounts'), {
      viewer: { id: customer.userId, role: 'CUSTOMER' },
      requestId: 'entities-test',
    });
    const response = await graphql<{ _entities: ({ id: string; email: string | null } | null)[] }>(
      accountsUrl,
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id name email } } }`,
      {
        representations: [
          { __typename: 'User', id: admin.userId },
          { __typename: 'User', id: customer.userId },
        ],
      },
      { headers: { [GATEWAY_CREDENTIAL_HEADER]: credential } },
    );
    expect(response.data?._entities).toEqual([
      { id: admin.userId, name: 'Ada Admin', email: null },
      { id: customer.userId, name: 'Casey Customer', email: 'customer@shop.test' },
    ]);
    expect(response.errors?.map((error) => [error.path, error.extensions?.['code']])).toEqual([[['_entities', 0, 'email'], 'FORBIDDEN']]);
  });
});

describe('a subgraph only answers the gateway', () => {
  const calls = {
    service: `{ _service { sdl } }`,
    entities: `{ _entities(representations: [{ __typename: "User", id: "00000000-0000-0000-0000-000000000000" }]) { ... on User { id } } }`,
    me: `{ me { id email } }`,
  };

  it.each(Object.entries(calls))('refuses %s without the gateway credential', async (_name, query) => {
    const response = await graphql(accountsUrl, query);
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.data).toBeUndefined();
  });

  it('refuses a credential signed with another secret, and a client-made identity header', async () => {
    const wrong = await signGatewayCredential('accounts', 'a-secret-that-is-not-the-gateways', {
      viewer: { id: admin.userId, role: 'ADMIN' },
      requestId: 'forged',
    });
    const forged = await graphql(accountsUrl, calls.me, {}, { headers: { [GATEWAY_CREDENTIAL_HEADER]: wrong } });
    expect(forged.status).toBe(401);
    const headerOnly = await graphql(accountsUrl, calls.me, {}, { headers: { 'x-user-id': admin.userId, 'x-user-role': 'ADMIN' } });
    expect(headerOnly.status).toBe(401);
  });

  it('refuses a credential minted for another subgraph', async () => {
    const forCatalog = await signGatewayCredential('catalog', devSubgraphSecret('accounts'), { viewer: null, requestId: 'x' });
    const response = await graphql(accountsUrl, calls.service, {}, { headers: { [GATEWAY_CREDENTIAL_HEADER]: forCatalog } });
    expect(response.status).toBe(401);
  });

  it('keeps health open to probes', async () => {
    const live = await fetch(`${supergraph.subgraphs['accounts']!.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${supergraph.subgraphs['accounts']!.url}/health/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: { status: 'ok' } } });
  });

  it('serves its public keys as a JWKS', async () => {
    const response = await fetch(`${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`);
    const jwks = (await response.json()) as { keys: JWK[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('sessions: refresh tokens with rotation and reuse detection', () => {
  const prisma = () => supergraph.subgraphs['accounts']!.prisma as PrismaClient;
  const newSession = async () => {
    const email = `session-${randomUUID()}@shop.test`;
    const signedUp = await graphql(gateway, SignUpDocument, { input: { email, password: 'correct horse battery', name: 'Session Owner' } });
    expect(signedUp.errors).toBeUndefined();
    return signedUp.data!.signUp;
  };
  const refresh = (refreshToken: string) => graphql(gateway, RefreshSessionDocument, { refreshToken });
  const refusedWith = async (refreshToken: string, reason: string) => {
    const response = await refresh(refreshToken);
    expect(response.data).toBeNull();
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors?.[0]?.extensions?.['reason']).toBe(reason);
  };

  it('exchanges a refresh token once for a working access token and the next refresh token', async () => {
    const first = await newSession();
    expect(new Date(first.refreshExpiresAt).getTime()).toBeGreaterThan(new Date(first.expiresAt).getTime());
    const renewed = await refresh(first.refreshToken);
    expect(renewed.errors).toBeUndefined();
    const next = renewed.data!.refreshSession;
    expect(next.user).toEqual(first.user);
    expect(next.refreshToken).not.toBe(first.refreshToken);
    const me = await graphql(gateway, MeDocument, {}, { token: next.token });
    expect(me.data?.me?.id).toBe(first.user.id);
    // Rotation again, from the new one.
    expect((await refresh(next.refreshToken)).errors).toBeUndefined();
  });

  it('revokes the whole family when a used refresh token is presented again (a stolen copy)', async () => {
    const first = await newSession();
    const second = (await refresh(first.refreshToken)).data!.refreshSession;
    await refusedWith(first.refreshToken, 'REFRESH_TOKEN_REUSED');
    // The legitimate holder's current token is gone too: whoever holds the family must sign in again.
    await refusedWith(second.refreshToken, 'REFRESH_TOKEN_INVALID');
    // Another session of the same user is untouched.
    const other = await graphql(gateway, LogInDocument, { input: { email: first.user.email!, password: 'correct horse battery' } });
    expect((await refresh(other.data!.logIn.refreshToken)).errors).toBeUndefined();
  });

  it('lets exactly one of two concurrent refreshes with the same token win, and ends the session', async () => {
    const first = await newSession();
    const answers = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    const winners = answers.filter((answer) => answer.errors === undefined);
    expect(winners).toHaveLength(1);
    expect(answers.flatMap((answer) => errorCodes(answer))).toEqual(['UNAUTHENTICATED']);
    await refusedWith(winners[0]!.data!.refreshSession.refreshToken, 'REFRESH_TOKEN_INVALID');
  });

  it('ends the session on log-out, and answers log-out the same for an unknown token', async () => {
    const first = await newSession();
    const second = (await refresh(first.refreshToken)).data!.refreshSession;
    const loggedOut = await graphql(gateway, LogOutDocument, { refreshToken: second.refreshToken });
    expect(loggedOut.data).toEqual({ logOut: true });
    await refusedWith(second.refreshToken, 'REFRESH_TOKEN_INVALID');
    expect((await graphql(gateway, LogOutDocument, { refreshToken: 'not-a-token' })).data).toEqual({ logOut: true });
  });

  it('refuses an unknown or expired refresh token, and stores only hashes', async () => {
    await refusedWith(`forged-${randomUUID()}`, 'REFRESH_TOKEN_INVALID');
    const first = await newSession();
    const stored = await prisma().refreshToken.findMany({ where: { userId: first.user.id } });
    expect(stored).toHaveLength(1);
    expect(stored.some((row) => row.tokenHash.includes(first.refreshToken))).toBe(false);
    await prisma().refreshToken.updateMany({ where: { userId: first.user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await refusedWith(first.refreshToken, 'REFRESH_TOKEN_INVALID');
  });
});
