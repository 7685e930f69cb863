// Sessions in cookies, over HTTP through the gateway as it ships (its default header rules carry the
// session cookie between the client and accounts): the cookie's attributes, refreshing from it,
// rotation grace and reuse after it, throttling, log-out, and cross-site requests refused.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSupergraph, type TestSupergraph } from '../../test/support/test-supergraph.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { SESSION_COOKIE_NAME } from './domain/session-cookie.ts';

const PER_FAMILY = 6;
let supergraph: TestSupergraph;
let gateway: string;
const prisma = () => supergraph.subgraphs['accounts']!.prisma as PrismaClient;

beforeAll(async () => {
  supergraph = await startTestSupergraph({
    env: {
      // Each test draws its per-IP budget from an address of its own (X-Forwarded-For from loopback).
      TRUSTED_PROXIES: '127.0.0.1,::1',
      AUTH_RATE_LIMIT_POINTS: '5',
      REFRESH_PER_FAMILY_PER_MINUTE: String(PER_FAMILY),
      REFRESH_GRACE_SECONDS: '10',
    },
  });
  gateway = supergraph.gatewayUrl;
});
afterAll(() => supergraph?.stop());

const AUTH_FIELDS = 'token expiresAt refreshToken refreshExpiresAt user { id }';
interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: Record<string, { token: string; refreshToken: string; refreshExpiresAt: string; user: { id: string } } | boolean> | null;
    errors?: { extensions?: Record<string, unknown> }[];
  };
}

let addresses = 0;
/** A client of its own address, as a browser: JSON posts, and a cookie jar of one cookie. */
function client() {
  const address = `203.0.113.${++addresses}`;
  let cookie: string | undefined;
  const setCookies: string[] = [];
  const post = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...(cookie ? { cookie: `${SESSION_COOKIE_NAME}=${cookie}; unrelated=1` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    for (const value of response.headers.getSetCookie()) {
      setCookies.push(value);
      const [pair = ''] = value.split(';');
      const [name, ...rest] = pair.split('=');
      if (name !== SESSION_COOKIE_NAME) continue;
      const expired = /Max-Age=0/.test(value);
      cookie = expired ? undefined : rest.join('=');
    }
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  };
  return {
    address,
    post,
    setCookies,
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    async signUp() {
      const email = `cookie-${randomUUID()}@shop.test`;
      const answer = await post(`mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`, {
        input: { email, password: 'correct horse battery', name: 'Cookie Owner' },
      });
      expect(answer.body.errors).toBeUndefined();
      return answer;
    },
    refresh: () => post(`mutation { refreshSession { ${AUTH_FIELDS} } }`),
  };
}
const payload = (answer: Answer, field: string) => answer.body.data?.[field] as { token: string; refreshToken: string; refreshExpiresAt: string; user: { id: string } };
const reasonOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.['reason'];

describe('the session cookie', () => {
  it('is set by sign-up with HttpOnly, SameSite=Strict, a GraphQL-only path and the refresh token’s expiry; only it reaches the client', async () => {
    const browser = client();
    const answer = await browser.signUp();
    const session = payload(answer, 'signUp');
    const cookies = answer.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE_NAME}=${session.refreshToken}; `));
    const attributes = cookie!.split('; ').slice(1);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/graphql', 'HttpOnly', 'SameSite=Strict']));
    // Plain http://localhost in tests: no Secure (production always sets it; see config.test below).
    expect(attributes).not.toContain('Secure');
    const expires = attributes.find((attribute) => attribute.startsWith('Expires='))!.slice('Expires='.length);
    expect(Math.abs(Date.parse(expires) - Date.parse(session.refreshExpiresAt))).toBeLessThan(1000);
  });

  it('is set by log-in too; refreshSession without an argument reads it, with one still works', async () => {
    const browser = client();
    const signedUp = payload(await browser.signUp(), 'signUp');
    const email = (await prisma().user.findUniqueOrThrow({ where: { id: signedUp.user.id } })).email;
    browser.cookie = undefined;
    const loggedIn = await browser.post(`mutation($input: LogInInput!) { logIn(input: $input) { ${AUTH_FIELDS} } }`, { input: { email, password: 'correct horse battery' } });
    expect(browser.cookie).toBe(payload(loggedIn, 'logIn').refreshToken);

    const fromCookie = await browser.refresh();
    expect(fromCookie.body.errors).toBeUndefined();
    const renewed = payload(fromCookie, 'refreshSession');
    expect(renewed.user.id).toBe(signedUp.user.id);
    expect(browser.cookie).toBe(renewed.refreshToken);

    // A client that is not a browser: the token as an argument, no cookie.
    const sdk = client();
    const withArgument = await sdk.post(`mutation($t: String) { refreshSession(refreshToken: $t) { ${AUTH_FIELDS} } }`, { t: signedUp.refreshToken });
    expect(withArgument.body.errors).toBeUndefined();
    expect(payload(withArgument, 'refreshSession').user.id).toBe(signedUp.user.id);
  });

  it('refreshes with no cookie and no argument as UNAUTHENTICATED', async () => {
    const answer = await client().refresh();
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('is cleared by log-out without an argument, which ends the session', async () => {
    const browser = client();
    const session = payload(await browser.signUp(), 'signUp');
    const answer = await browser.post('mutation { logOut }');
    expect(answer.body.data).toEqual({ logOut: true });
    expect(answer.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^${SESSION_COOKIE_NAME}=; Path=/graphql; .*Max-Age=0`))]);
    expect(browser.cookie).toBeUndefined();
    browser.cookie = session.refreshToken;
    expect(reasonOf(await browser.refresh())).toBe('REFRESH_TOKEN_INVALID');
  });
});

describe('rotation grace', () => {
  it('gives the same token presented again within the grace the same successor (two tabs at once both stay signed in)', async () => {
    const browser = client();
    const first = payload(await browser.signUp(), 'signUp').refreshToken;
    const [tabA, tabB] = await Promise.all([browser.refresh(), browser.refresh()]);
    expect(tabA.body.errors).toBeUndefined();
    expect(tabB.body.errors).toBeUndefined();
    const successor = payload(tabA, 'refreshSession').refreshToken;
    expect(successor).not.toBe(first);
    expect(payload(tabB, 'refreshSession').refreshToken).toBe(successor);
    // A retried request with the old token, still within the grace: the same successor again.
    browser.cookie = first;
    expect(payload(await browser.refresh(), 'refreshSession').refreshToken).toBe(successor);
    // And the successor rotates as usual.
    const next = await browser.refresh();
    expect(next.body.errors).toBeUndefined();
    expect(payload(next, 'refreshSession').refreshToken).not.toBe(successor);
  });

  it('after the grace, the same token again is reuse: the family is revoked and the cookie cleared', async () => {
    const browser = client();
    const first = payload(await browser.signUp(), 'signUp');
    const successor = payload(await browser.refresh(), 'refreshSession').refreshToken;
    // The grace has passed for the first token.
    await prisma().refreshToken.updateMany({ where: { userId: first.user.id, usedAt: { not: null } }, data: { usedAt: new Date(Date.now() - 60_000) } });
    browser.cookie = first.refreshToken;
    const replay = await browser.refresh();
    expect(reasonOf(replay)).toBe('REFRESH_TOKEN_REUSED');
    expect(replay.headers.getSetCookie()).toEqual([expect.stringMatching(/Max-Age=0/)]);
    browser.cookie = successor;
    expect(reasonOf(await browser.refresh())).toBe('REFRESH_TOKEN_INVALID');
  });

  it('does not hand out a successor that was used meanwhile', async () => {
    const browser = client();
    const first = payload(await browser.signUp(), 'signUp').refreshToken;
    await browser.refresh();
    await browser.refresh(); // the successor is used in turn
    browser.cookie = first;
    expect(reasonOf(await browser.refresh())).toBe('REFRESH_TOKEN_REUSED');
  });
});

describe('refresh throttling', () => {
  it('refuses failed refreshes past the per-address budget with 429 and Retry-After', async () => {
    const guesser = client();
    const statuses: number[] = [];
    let refused: Answer | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      guesser.cookie = randomUUID();
      const answer = await guesser.refresh();
      statuses.push(answer.status);
      if (answer.status === 429) refused ??= answer;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused!.body.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
  });

  it('does not count successful refreshes against the address, and limits refreshes per session (token family)', async () => {
    const browser = client();
    await browser.signUp();
    const codes: unknown[] = [];
    for (let attempt = 0; attempt < PER_FAMILY + 1; attempt++) {
      const answer = await browser.refresh();
      codes.push(answer.body.errors?.[0]?.extensions?.['code'] ?? 'ok');
    }
    // The sign-up's token and PER_FAMILY - 1 successors fill the minute; the next is refused.
    expect(codes).toEqual([...Array<string>(PER_FAMILY - 1).fill('ok'), 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});

describe('cross-site requests', () => {
  it('a cross-site form post carrying the cookie can neither refresh nor act', async () => {
    const browser = client();
    const session = payload(await browser.signUp(), 'signUp');
    for (const [contentType, body] of [
      ['application/x-www-form-urlencoded', 'query=mutation%20%7B%20refreshSession%20%7B%20token%20%7D%20%7D'],
      ['text/plain', JSON.stringify({ query: 'mutation { refreshSession { token } }' })],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { logOut }\r\n--x--\r\n'],
    ] as const) {
      const response = await fetch(gateway, {
        method: 'POST',
        headers: { 'content-type': contentType, cookie: `${SESSION_COOKIE_NAME}=${session.refreshToken}`, origin: 'https://evil.example' },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_REQUEST');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // Nothing was used or revoked: the session refreshes as before.
    const still = await browser.refresh();
    expect(still.body.errors).toBeUndefined();
    expect(await prisma().refreshToken.count({ where: { userId: session.user.id, revokedAt: { not: null } } })).toBe(0);
  });

  it('a mutation over GET is refused whatever cookie it carries', async () => {
    const browser = client();
    const session = payload(await browser.signUp(), 'signUp');
    const response = await fetch(`${gateway}?query=${encodeURIComponent('mutation { logOut }')}`, { headers: { cookie: `${SESSION_COOKIE_NAME}=${session.refreshToken}` } });
    expect(response.status).toBe(405);
    expect(await prisma().refreshToken.count({ where: { userId: session.user.id, revokedAt: { not: null } } })).toBe(0);
  });
});
