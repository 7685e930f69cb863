// The refresh token as a cookie (docs/sessions.md): its name and path, and the gateway's header
// rules that carry exactly this cookie between the browser and accounts, and nothing else.
import { expiredCookie, serializeCookie } from '../../../common/http/cookies.ts';

export const SESSION_COOKIE_NAME = 'session_refresh';
/** Sent with GraphQL requests only (the gateway's and the storefront proxy's /graphql), never with pages or assets. */
export const SESSION_COOKIE_PATH = '/graphql';

export interface SessionCookieSettings {
  readonly name: string;
  readonly path: string;
  /** Off only for http://localhost in development (browsers drop Secure cookies over plain HTTP elsewhere). */
  readonly secure: boolean;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it), expiring with the refresh token. */
export const sessionCookie = (settings: SessionCookieSettings, refreshToken: string, expiresAt: Date): string =>
  serializeCookie(settings.name, refreshToken, { path: settings.path, expires: expiresAt, httpOnly: true, secure: settings.secure, sameSite: 'Strict' });

export const clearedSessionCookie = (settings: SessionCookieSettings): string =>
  expiredCookie(settings.name, { path: settings.path, httpOnly: true, secure: settings.secure, sameSite: 'Strict' });

/**
 * GATEWAY_HEADER_RULES that ship (development default in scripts/local-supergraph.ts, docker-compose.yml,
 * deploy/k8s/gateway.yaml): the session cookie, and only it, from the client to accounts and back.
 */
export const SESSION_HEADER_RULES = {
  subgraphs: {
    accounts: {
      request: [{ propagate: { named: 'cookie' }, cookies: [SESSION_COOKIE_NAME] }],
      response: [{ propagate: { named: 'set-cookie' }, cookies: [SESSION_COOKIE_NAME] }],
    },
  },
} as const;
