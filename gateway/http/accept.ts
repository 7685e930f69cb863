// The Accept header as RFC 9110 (12.5.1) reads it: media ranges in the client's order, each with
// parameters and a quality (q, default 1; q=0 means "not acceptable"). Used to pick between a JSON
// response and a stream framing, as the GraphQL-over-HTTP and graphql-sse specs ask.

export interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  /** Lower-case names, unquoted values; q is not among them. */
  readonly params: Readonly<Record<string, string>>;
  readonly q: number;
  /** Position in the header: the client's order breaks ties of quality. */
  readonly index: number;
}

/** What a response can be: a media type, and the parameters a range must name to ask for it. */
export interface MediaOffer {
  readonly type: string;
  readonly subtype: string;
  readonly requiredParams?: Readonly<Record<string, string>>;
  /** Only a range naming this type exactly asks for it (no `*\/*`, no `type/*`). */
  readonly explicitOnly?: boolean;
}

/** Splits on `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

const unquote = (value: string) => (value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const ranges: MediaRange[] = [];
  for (const [index, written] of splitOutsideQuotes(header, ',').entries()) {
    const [mediaType = '', ...parameters] = splitOutsideQuotes(written, ';').map((part) => part.trim());
    const [type, subtype, ...extra] = mediaType.toLowerCase().split('/');
    if (!type || !subtype || extra.length > 0) continue;
    let q = 1;
    const params: Record<string, string> = {};
    for (const parameter of parameters) {
      const separator = parameter.indexOf('=');
      if (separator <= 0) continue;
      const name = parameter.slice(0, separator).trim().toLowerCase();
      const value = unquote(parameter.slice(separator + 1).trim());
      if (name === 'q') {
        const quality = Number(value);
        q = Number.isFinite(quality) ? Math.min(1, Math.max(0, quality)) : 1;
      } else params[name] = value;
    }
    ranges.push({ type, subtype, params, q, index });
  }
  return ranges;
}

/** How specifically `range` names `offer`: 3 exact type with the required parameters, 2 exact, 1 `type/*`, 0 `*\/*`; -1 not at all. */
function specificity(range: MediaRange, offer: MediaOffer): number {
  const required = Object.entries(offer.requiredParams ?? {});
  const hasRequired = required.every(([name, value]) => range.params[name.toLowerCase()]?.toLowerCase() === value.toLowerCase());
  if (range.type === offer.type && range.subtype === offer.subtype) return required.length > 0 ? (hasRequired ? 3 : -1) : 2;
  if (offer.explicitOnly || required.length > 0) return -1;
  if (range.type === offer.type && range.subtype === '*') return 1;
  if (range.type === '*' && range.subtype === '*') return 0;
  return -1;
}

/** The quality the client gives `offer` (decided by its most specific range), with that range's position; undefined when it does not accept it. */
export function acceptance(ranges: readonly MediaRange[], offer: MediaOffer): { q: number; index: number } | undefined {
  let best: { range: MediaRange; specificity: number } | undefined;
  for (const range of ranges) {
    const score = specificity(range, offer);
    if (score >= 0 && (!best || score > best.specificity)) best = { range, specificity: score };
  }
  return best && best.range.q > 0 ? { q: best.range.q, index: best.range.index } : undefined;
}

/** Of `offers`, the one the client prefers (highest quality, then earliest in its header), or undefined. */
export function preferred<TOffer extends MediaOffer>(ranges: readonly MediaRange[], offers: readonly TOffer[]): TOffer | undefined {
  let best: { offer: TOffer; q: number; index: number } | undefined;
  for (const offer of offers) {
    const accepted = acceptance(ranges, offer);
    if (accepted && (!best || accepted.q > best.q || (accepted.q === best.q && accepted.index < best.index))) best = { offer, ...accepted };
  }
  return best?.offer;
}
