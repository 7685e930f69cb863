import { createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { devSubgraphSecret } from '../../common/service/subgraph-config.ts';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import type { PrismaClient as AccountsPrisma } from '../../subgraphs/accounts/generated/prisma/client.ts';
import { rotateSigningKey } from '../../subgraphs/accounts/domain/signing-keys.ts';
import { errorCodes, graphql } from '../support/graphql-client.ts';
import { chunkedPost, exchangeOnOneConnection, secondRequest } from '../support/raw-http.ts';
import { logIn, logInAsAdmin, logInAsCustomer, type Session } from '../support/sessions.ts';
import { signUpCustomer } from '../support/shop-actions.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import type { PrismaClient as OrdersPrisma } from '../../subgraphs/orders/generated/prisma/client.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';

let supergraph: TestSupergraph;
let gateway: string;

beforeAll(async () => {
  supergraph = await startTestSupergraph({
    env: { TRUSTED_PROXIES: '127.0.0.1,::1', JWT_KEY_REFRESH_SECONDS: '1', JWKS_COOLDOWN_SECONDS: '1' },
  });
  gateway = supergraph.gatewayUrl;
});
afterAll(() => supergraph?.stop());

const LOG_IN = /* GraphQL */ `mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }`;
const logInFrom = (ip: string, email: string, password: string) => graphql(gateway, LOG_IN, { input: { email, password } }, { headers: { 'x-forwarded-for': ip } });

describe('log-in brute force', () => {
  it('refuses the 11th wrong password for one account, even from different addresses', async () => {
    const victim = await signUpCustomer(gateway);
    const email = (await graphql<{ me: { email: string } }>(gateway, '{ me { email } }', {}, { token: victim.token })).data!.me.email;
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await logInFrom(`192.0.2.${attempt}`, email, 'wrong password');
      expect(errorCodes(response)).toEqual(['INVALID_CREDENTIALS']);
    }
    const eleventh = await logInFrom('192.0.2.200', email, 'wrong password');
    expect(eleventh.status).toBe(429);
    expect(errorCodes(eleventh)).toEqual(['RATE_LIMITED']);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    // Blocked even with the right password until the window passes: the attacker learns nothing.
    const right = await logInFrom('192.0.2.201', email, 'a customer password');
    expect(errorCodes(right)).toEqual(['RATE_LIMITED']);
  });

  it('refuses one address that tries many accounts', async () => {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await logInFrom('198.18.0.9', `nobody-${attempt}@shop.test`, 'guess');
      expect(errorCodes(response)).toEqual(['INVALID_CREDENTIALS']);
    }
    expect(errorCodes(await logInFrom('198.18.0.9', 'customer@shop.test', 'customer-demo-password'))).toEqual(['RATE_LIMITED']);
    // Another address is not affected.
    expect(errorCodes(await logInFrom('198.18.0.10', 'customer@shop.test', 'customer-demo-password'))).toEqual([]);
  });
});

describe('the brute-force budget, however the operation is written', () => {
  let network = 0;
  /** A fresh client address (in a test range), so each shape has a budget of its own. */
  const freshAddress = () => `198.19.${Math.floor((network += 1) / 250)}.${(network % 250) + 1}`;
  const send = (ip: string, query: string, variables: Record<string, unknown> = {}) =>
    graphql<Record<string, { token: string } | null>>(gateway, query, variables, { headers: { 'x-forwarded-for': ip } });
  /** An account signed up from an address of its own (sign-ups draw from their address's budget too). */
  const newAccount = async () => {
    const email = `target-${randomUUID()}@shop.test`;
    const created = await send(freshAddress(), 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { email, password: 'the right password', name: 'Target' },
    });
    expect(created.errors).toBeUndefined();
    return email;
  };

  // Each shape makes `attempts` log-in attempts per request, with the password given.
  const shapes: { name: string; attempts: number; request: (email: string, password: string) => [string, Record<string, unknown>] }[] = [
    {
      name: 'an inline fragment',
      attempts: 1,
      request: (email, password) => ['mutation ($input: LogInInput!) { ... on Mutation { logIn(input: $input) { token } } }', { input: { email, password } }],
    },
    {
      name: 'a named fragment',
      attempts: 1,
      request: (email, password) => [
        'mutation ($input: LogInInput!) { ...Attempt } fragment Attempt on Mutation { logIn(input: $input) { token } }',
        { input: { email, password } },
      ],
    },
    {
      name: 'nested fragments with an alias',
      attempts: 1,
      request: (email, password) => [
        `mutation ($input: LogInInput!) { ...Outer }
         fragment Outer on Mutation { ... on Mutation { ...Inner } }
         fragment Inner on Mutation { attempt: logIn(input: $input) { token } }`,
        { input: { email, password } },
      ],
    },
    {
      name: 'an alias with literal arguments',
      attempts: 1,
      request: (email, password) => [`mutation { attempt: logIn(input: { email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)} }) { token } }`, {}],
    },
    {
      name: '@include and @skip decided by variables',
      attempts: 1,
      request: (email, password) => [
        'mutation ($email: String!, $password: String!, $yes: Boolean!, $no: Boolean!) { logIn(input: { email: $email, password: $password }) @include(if: $yes) @skip(if: $no) { token } }',
        { email, password, yes: true, no: false },
      ],
    },
    {
      name: 'several log-ins in one operation',
      attempts: 2,
      request: (email, password) => [
        'mutation ($input: LogInInput!) { first: logIn(input: $input) { token } ... on Mutation { second: logIn(input: $input) { token } } }',
        { input: { email, password } },
      ],
    },
  ];

  for (const shape of shapes) {
    it(`counts every log-in written as ${shape.name}: 429 with Retry-After after the budget, then even the right password is refused`, async () => {
      const email = await newAccount();
      const attacker = freshAddress();
      for (let made = 0; made < 10; made += shape.attempts) {
        const wrong = await send(attacker, ...shape.request(email, 'wrong password'));
        expect(wrong.status).toBe(200);
        expect(errorCodes(wrong).length).toBeGreaterThan(0);
        expect(new Set(errorCodes(wrong))).toEqual(new Set(['INVALID_CREDENTIALS']));
      }
      const refused = await send(attacker, ...shape.request(email, 'wrong password'));
      expect(refused.status).toBe(429);
      expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // The right password, in this shape or plainly, from this address or another: refused all the same.
      const right = await send(attacker, ...shape.request(email, 'the right password'));
      expect(right.status).toBe(429);
      expect(right.data ?? null).toBeNull();
      expect(errorCodes(await logInFrom(freshAddress(), email, 'the right password'))).toEqual(['RATE_LIMITED']);
    });
  }

  it('refuses one operation that would make more attempts than the budget holds, before any runs', async () => {
    const email = await newAccount();
    const attacker = freshAddress();
    const eleven = Array.from({ length: 11 }, (_, index) => `a${index}: logIn(input: $input) { token }`).join(' ');
    const refused = await send(attacker, `mutation ($input: LogInInput!) { ${eleven} }`, { input: { email, password: 'the right password' } });
    expect(refused.status).toBe(429);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Nothing ran and a refusal costs nothing: the owner still logs in.
    const owner = await logInFrom(attacker, email, 'the right password');
    expect(owner.errors).toBeUndefined();
  });

  it('does not run a batch of log-ins (batches are refused)', async () => {
    const email = await newAccount();
    const response = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshAddress() },
      body: JSON.stringify(
        Array.from({ length: 20 }, (_, index) => ({ query: LOG_IN, variables: { input: { email, password: index === 19 ? 'the right password' : `wrong ${index}` } } })),
      ),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/"token"/);
  });

  it('counts every sign-up, in fragments and under aliases, per address', async () => {
    const ip = freshAddress();
    const signUps = (count: number) =>
      send(
        ip,
        `mutation (${Array.from({ length: count }, (_, index) => `$i${index}: SignUpInput!`).join(', ')}) { ...Accounts }
         fragment Accounts on Mutation { ${Array.from({ length: count }, (_, index) => `... on Mutation { s${index}: signUp(input: $i${index}) { token } }`).join(' ')} }`,
        Object.fromEntries(Array.from({ length: count }, (_, index) => [`i${index}`, { email: `new-${randomUUID()}@shop.test`, password: 'a long password', name: 'New' }])),
      );
    for (let made = 0; made < 10; made += 5) {
      const accepted = await signUps(5);
      expect(accepted.errors).toBeUndefined();
    }
    const refused = await signUps(1);
    expect(refused.status).toBe(429);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('the client address behind a trusted proxy', () => {
  it('limits failed log-ins per the right-most untrusted X-Forwarded-For entry, whatever the client wrote to its left', async () => {
    const client = '203.0.113.77';
    const forwardedFor = () => `${randomUUID().slice(0, 8)}, 198.51.100.${Math.floor(Math.random() * 250)}, ${client}`;
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await logInFrom(forwardedFor(), `nobody-${randomUUID()}@shop.test`, 'guess');
      expect(errorCodes(response)).toEqual(['INVALID_CREDENTIALS']);
    }
    const refused = await logInFrom(forwardedFor(), `nobody-${randomUUID()}@shop.test`, 'guess');
    expect(refused.status).toBe(429);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    // The address the client pretended to come from has its own, untouched budget.
    expect(errorCodes(await logInFrom('198.51.100.3', 'customer@shop.test', 'customer-demo-password'))).toEqual([]);
  });
});

describe('tokens', () => {
  const ME = '{ me { id } }';
  const accountsPrisma = () => supergraph.subgraphs['accounts']!.prisma as AccountsPrisma;
  const refusal = async (token: string) => {
    const response = await graphql(gateway, ME, {}, { token });
    return { status: response.status, code: errorCodes(response)[0], reason: response.errors?.[0]?.extensions?.['reason'] };
  };

  it('refuses HS256 signed with the public key, and a token that is not valid yet', async () => {
    const { publicJwk, kid } = await accountsPrisma().signingKey.findFirstOrThrow({ where: { retiredAt: null } });
    const pem = createPublicKey({ key: publicJwk as JWK & { kty: 'EC' }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const confused = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setSubject('00000000-0000-4000-8000-000000000000')
      .setIssuer(JWT_DEFAULTS.issuer)
      .setAudience(JWT_DEFAULTS.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(String(pem)));
    expect(await refusal(confused)).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'TOKEN_ALGORITHM_NOT_ALLOWED' });

    const admin = await logInAsAdmin(gateway);
    const { privateJwk } = await accountsPrisma().signingKey.findFirstOrThrow({ where: { kid } });
    const { importJWK } = await import('jose');
    const early = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject(admin.userId)
      .setIssuer(JWT_DEFAULTS.issuer)
      .setAudience(JWT_DEFAULTS.audience)
      .setNotBefore('10m')
      .setExpirationTime('20m')
      .sign(await importJWK(privateJwk as JWK, 'ES256'));
    expect(await refusal(early)).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'TOKEN_NOT_YET_VALID' });
  });

  it('keeps working across a key rotation: new tokens use the new key, old ones stay valid', async () => {
    const before: Session = await logInAsAdmin(gateway);
    const oldKid = decodeProtectedHeader(before.token).kid;
    const newKid = await rotateSigningKey(accountsPrisma());
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // accounts re-reads its keys every second here
    const after = await logInAsAdmin(gateway);
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the gateway's JWKS cool-down
    for (const session of [after, before]) {
      const me = await graphql<{ me: { id: string } }>(gateway, ME, {}, { token: session.token });
      expect(me.errors).toBeUndefined();
      expect(me.data?.me.id).toBe(session.userId);
    }
  });
});

describe('trust between gateway and subgraphs', () => {
  it('gives a client that sends identity headers or a forged gateway credential no extra rights', async () => {
    const admin = await logInAsAdmin(gateway);
    const customer = await logIn(gateway, 'customer@shop.test', 'customer-demo-password');
    const forged = await signGatewayCredential('accounts', devSubgraphSecret('accounts'), { viewer: { id: admin.userId, role: 'ADMIN' }, requestId: 'forged' });
    const response = await graphql<{ user: { email: string | null } }>(
      gateway,
      'query ($id: ID!) { user(id: $id) { email } }',
      { id: admin.userId },
      { token: customer.token, headers: { 'x-user-id': admin.userId, 'x-user-role': 'ADMIN', [GATEWAY_CREDENTIAL_HEADER]: forged } },
    );
    expect(response.data?.user.email).toBeNull();
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });

  it('refuses a direct call to a subgraph with a forged identity', async () => {
    const forged = await signGatewayCredential('accounts', 'not-the-subgraph-secret-at-all', { viewer: { id: 'x', role: 'ADMIN' }, requestId: 'forged' });
    const response = await graphql(
      `${supergraph.subgraphs['accounts']!.url}/graphql`,
      '{ me { id } }',
      {},
      {
        headers: { [GATEWAY_CREDENTIAL_HEADER]: forged, 'x-user-id': 'x' },
      },
    );
    expect(response.status).toBe(401);
  });
});

describe('a chunked body over the size limit at a subgraph', () => {
  it('is answered with 413 and Connection: close, the connection ends, and a fresh one is served', async () => {
    const url = supergraph.subgraphs['accounts']!.url;
    const host = new URL(url).host;
    const { received, closedByServer } = await exchangeOnOneConnection(url, chunkedPost(host, 256_000, 5), secondRequest(host));
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
    expect(closedByServer).toBe(true);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });
});

describe('error messages about what a client sent', () => {
  const PLACE_ORDER = 'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }';
  const placeOrderWith = async (input: Record<string, unknown>) => {
    const customer = await logInAsCustomer(gateway);
    const response = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({ query: PLACE_ORDER, variables: { input, key: randomUUID() } }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as { errors?: { message: string; extensions: Record<string, unknown> }[] } };
  };

  it('says a payment token is too long, and what the limit is', async () => {
    const { body } = await placeOrderWith({ items: [{ productId: demoProducts[0]!.id, quantity: 1 }], paymentToken: `tok_${'x'.repeat(120)}` });
    const error = body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'paymentToken' });
    expect(error?.message).toMatch(/too long/);
    expect(error?.message).toMatch(/100 characters/);
    expect(error?.message).not.toMatch(/required/);
  });

  it('repeats at most 64 characters of an unknown product id, in the message and in extensions', async () => {
    const hugeId = `p${'0123456789'.repeat(1_000)}`;
    const { text, body } = await placeOrderWith({ items: [{ productId: hugeId, quantity: 1 }], paymentToken: 'tok_visa' });
    const error = body.errors?.[0];
    expect(error?.extensions['code']).toBe('UNKNOWN_PRODUCT');
    expect(error?.message).toContain(`${hugeId.slice(0, 64)}…`);
    expect(error?.message.length).toBeLessThan(120);
    expect(error?.extensions['productIds']).toEqual([`${hugeId.slice(0, 64)}…`]);
    expect(text.length).toBeLessThan(1_000);
  });

  it('repeats at most 64 characters of an unknown path', async () => {
    const response = await fetch(new URL(`/${'x'.repeat(5_000)}`, gateway));
    expect(response.status).toBe(404);
    expect((await response.text()).length).toBeLessThan(300);
  });
});

describe('cross-site requests', () => {
  it('cannot act as a signed-in user: identity comes only from Authorization, never from a cookie', async () => {
    const customer = await logInAsCustomer(gateway);
    const query = encodeURIComponent('{ me { id } }');
    // What a page on another site can make the browser send: a GET with the site's cookies, no Authorization.
    const crossSite = await fetch(`${gateway}?query=${query}`, {
      headers: { origin: 'https://evil.example', cookie: `token=${customer.token}; session=${customer.token}` },
    });
    const body = (await crossSite.json()) as { data?: { me: { id: string } | null } | null };
    expect(JSON.stringify(body)).not.toContain(customer.userId);
    expect(body.data?.me ?? null).toBeNull();
    // The same GET with the Authorization header (which only the app's own code can add) is the user.
    const own = await fetch(`${gateway}?query=${query}`, { headers: { authorization: `Bearer ${customer.token}` } });
    expect(((await own.json()) as { data: { me: { id: string } } }).data.me.id).toBe(customer.userId);
  });

  it('cannot run a mutation: not by GET, not by a form post', async () => {
    const email = `csrf-${randomUUID()}@shop.test`;
    const signUp = `mutation { signUp(input: { email: "${email}", password: "a csrf password", name: "CSRF" }) { token } }`;
    const overGet = await fetch(`${gateway}?query=${encodeURIComponent(signUp)}`, { headers: { origin: 'https://evil.example' } });
    expect(overGet.status).toBeGreaterThanOrEqual(400);
    for (const [contentType, body] of [
      ['text/plain', JSON.stringify({ query: signUp })],
      ['application/x-www-form-urlencoded', new URLSearchParams({ query: signUp }).toString()],
    ] as const) {
      const form = await fetch(gateway, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': contentType }, body });
      expect(form.status, contentType).toBe(400);
    }
    // No account was made by any of them.
    expect(errorCodes(await logInFrom(freshCsrfAddress(), email, 'a csrf password'))).toEqual(['INVALID_CREDENTIALS']);
  });
});
const freshCsrfAddress = () => `198.20.0.${Math.floor(Math.random() * 250) + 1}`;

describe('request ids', () => {
  it("keeps a trusted proxy's x-request-id: in the response, at the subgraphs and on the messages the request caused", async () => {
    const customer = await signUpCustomer(gateway);
    const requestId = `edge-${Date.now()}-checkout`;
    const response = await graphql<{ placeOrder: { id: string } }>(
      gateway,
      'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }',
      { input: { items: [{ productId: demoProducts[40]!.id, quantity: 1 }], paymentToken: 'tok_visa' }, key: requestId },
      { token: customer.token, headers: { 'x-request-id': requestId } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.headers.get('x-request-id')).toBe(requestId);
    // The orders subgraph got it from the gateway's credential and put it on the saga's first messages.
    const orders = supergraph.subgraphs['orders']!.prisma as OrdersPrisma;
    const sagaStart = await orders.outboxMessage.findMany({ where: { type: { in: ['OrderPlaced', 'ReserveStock'] } } });
    const started = sagaStart.filter((row) => (row.payload as { orderId?: string }).orderId === response.data!.placeOrder.id);
    expect(started).toHaveLength(2);
    for (const row of started) expect((row.headers as Record<string, string>)['x-request-id']).toBe(requestId);
  });

  it('makes its own id when the trusted header is not a plausible id', async () => {
    const response = await graphql(gateway, '{ products(first: 1) { totalCount } }', {}, { headers: { 'x-request-id': 'bad id with spaces; and <html>' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
