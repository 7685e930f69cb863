// Where the signed-in session lives (see docs/sessions.md): the access token in memory only, the
// refresh token in an HttpOnly cookie the page cannot read. On load, and shortly before the access
// token expires (or when the gateway answers 401), the cookie is exchanged for the next access token
// (rotation); concurrent callers in one tab share one exchange, and two tabs exchanging the same
// cookie at once both get the same successor (the accounts service's rotation grace).
import type { Role } from '../../sdk/generated/graphql.ts';

export interface SessionUser {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly role: Role | null;
}

/** What logIn, signUp and refreshSession answer (the refresh token, when selected, is not kept). */
export interface SessionTokens {
  readonly token: string;
  readonly expiresAt: string;
  readonly user: SessionUser;
}

/** Exchanges the session cookie for the next access token; rejects when there is no session. */
export type RefreshExchange = () => Promise<SessionTokens>;

// Not a secret: that this browser may hold a session cookie, so a page load tries to resume it (an
// anonymous visitor's loads then never count as failed refreshes against the gateway's budget).
const MAY_HAVE_SESSION = 'session:may-resume';
const storage = (): Storage | undefined => (typeof localStorage === 'undefined' ? undefined : localStorage);

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
    // Only what the page needs: a refresh token in the answer is dropped here.
    this.#session = { token: session.token, expiresAt: session.expiresAt, user: session.user };
    storage()?.setItem(MAY_HAVE_SESSION, '1');
    this.#notify();
  }

  /** Forgets the session (the caller ends it on the server, which clears the cookie). */
  end(): void {
    storage()?.removeItem(MAY_HAVE_SESSION);
    this.#session = null;
    this.#renewal = null;
    this.#notify();
  }

  /** A usable access token, renewing it first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.#session;
    // Resuming from the cookie (a reload, a new tab): requests wait for it rather than go anonymous.
    if (!session) return this.#renewal ? ((await this.#renewal)?.token ?? null) : null;
    if (Date.parse(session.expiresAt) - Date.now() > RENEW_MARGIN_MS) return session.token;
    return (await this.renew())?.token ?? null;
  }

  /** Resumes or renews the session from the cookie now (one exchange at a time); a refused cookie signs out. */
  renew(): Promise<SessionTokens | null> {
    if (!this.#exchange) return Promise.resolve(null);
    const session = this.#session;
    this.#renewal ??= this.#exchange()
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

  /** On load: resumes the session from its cookie when this browser signed in and did not sign out. */
  resume(): Promise<SessionTokens | null> {
    return storage()?.getItem(MAY_HAVE_SESSION) ? this.renew() : Promise.resolve(null);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
