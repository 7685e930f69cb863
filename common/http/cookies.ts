// Cookies as a service reads and writes them (RFC 6265): a request's Cookie header as a map, and a
// Set-Cookie value from its attributes.

/** `a=1; b=2` → { a: '1', b: '2' }; the first of a repeated name wins (as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim());
  }
  return cookies;
}

export interface CookieAttributes {
  readonly path: string;
  /** Undefined: a session cookie. */
  readonly expires?: Date | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: 'Strict' | 'Lax' | 'None';
}

export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [`${name}=${value}`, `Path=${attributes.path}`];
  if (attributes.expires) {
    parts.push(`Expires=${attributes.expires.toUTCString()}`);
    parts.push(`Max-Age=${Math.max(0, Math.floor((attributes.expires.getTime() - Date.now()) / 1000))}`);
  }
  if (attributes.httpOnly) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}

/** A Set-Cookie that makes the browser drop the cookie (same name and path). */
export const expiredCookie = (name: string, attributes: Omit<CookieAttributes, 'expires'>): string => serializeCookie(name, '', { ...attributes, expires: new Date(0) });
