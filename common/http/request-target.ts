/** A request's path, decoded once, or why the request target is refused (400) before any routing. */
export type RequestPath = { readonly path: string } | { readonly refused: string };

// RFC 9112 3.2: a request target is visible ASCII; Node's parser lets other bytes through.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
// After decoding: what no route or file name needs, and what file paths misread (NUL, a backslash on Windows).
const controlOrBackslash = (path: string) => [...path].some((char) => char <= '\x1f' || char === '\x7f' || char === '\\');

/**
 * The decoded path of `req.url` (origin form `/a/b?q`, absolute form `http://host/a/b`, or `*`).
 * Refused: bytes outside visible ASCII, a URL that does not parse, a percent-encoding that is not
 * UTF-8 (`%`, `%zz`, `%c0%af`), control characters or a backslash once decoded, and `.` or `..`
 * segments in any encoding (decoded once, so `%2e%2e%2f` is `../` and is refused too).
 */
export function requestPath(target: string | undefined): RequestPath {
  const raw = target ?? '/';
  if (raw === '*') return { path: '*' };
  if (!VISIBLE_ASCII.test(raw)) return { refused: 'The request target has characters outside visible ASCII.' };
  let encoded: string;
  if (raw.startsWith('/')) {
    encoded = raw.split(/[?#]/, 1)[0] ?? '/';
  } else if (/^https?:\/\//i.test(raw) && URL.canParse(raw)) {
    // The absolute form (to a proxy, RFC 9112 3.2.2); the WHATWG parser has resolved its dot segments.
    encoded = new URL(raw).pathname;
  } else {
    return { refused: 'The request target is not a path or an absolute http(s) URL.' };
  }
  let path: string;
  try {
    path = decodeURIComponent(encoded);
  } catch {
    return { refused: 'The request path is not valid percent-encoded UTF-8.' };
  }
  if (controlOrBackslash(path)) return { refused: 'The request path has control characters or a backslash.' };
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return { refused: 'The request path has dot segments.' };
  return { path };
}
