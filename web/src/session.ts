// Where the signed-in session lives: in memory only (see docs/storefront.md, "Sessions: refresh tokens"). The access
// token is renewed shortly before it expires, or when the gateway answers 401, by exchanging the
// refresh token once (rotation); concurrent callers share one exchange, so a token is never used twice.
import type { Role } from '../../sdk/generated/graphql.ts';

export interface SessionUser {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly role: Role | null;
}

/** What logIn, signUp and refreshSession answer. */
export interface SessionTokens {
  readonly token: string;
  readonly expiresAt: string;
  readonly refreshToken: string;
  readonly user: SessionUser;
}

/** Exchanges a refresh token for the next session; rejects when the session has ended. */
export type RefreshExchange = (refreshToken: string) => Promise<SessionTokens>;

// Renew this long before `exp`, so a request in flight does not carry a token that expires on the way.
const RENEW_MARGIN_MS = 5_000;

export class SessionStore {
  #session: SessionTokens | null = null;
  #renewal: Promise<SessionTokens | null> | null = null;
  #listeners = new Set<() => void>();
  #exchange: RefreshExchange | null = null;

  /** Set once the client that performs the exchange exists. */
  useExchange(exchange: RefreshExchange): void {
    this.#exchange = exchange;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly current = (): SessionTokens | null => this.#session;

  start(session: SessionTokens): void {
    this.#session = session;
    this.#notify();
  }

  /** Forgets the session; returns the refresh token to revoke. */
  end(): string | null {
    const refreshToken = this.#session?.refreshToken ?? null;
    this.#session = null;
    this.#renewal = null;
    this.#notify();
    return refreshToken;
  }

  /** A usable access token, renewing it first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.#session;
    if (!session) return null;
    if (Date.parse(session.expiresAt) - Date.now() > RENEW_MARGIN_MS) return session.token;
    return (await this.renew())?.token ?? null;
  }

  /** Renews the session now (one exchange at a time); a refused refresh token signs out. */
  renew(): Promise<SessionTokens | null> {
    const session = this.#session;
    if (!session || !this.#exchange) return Promise.resolve(null);
    this.#renewal ??= this.#exchange(session.refreshToken)
      .then(
        (next) => {
          // Signed out or signed in as someone else meanwhile: keep what is there now.
          if (this.#session === session) this.start(next);
          return this.#session;
        },
        () => {
          if (this.#session === session) this.end();
          return null;
        },
      )
      .finally(() => {
        this.#renewal = null;
      });
    return this.#renewal;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
