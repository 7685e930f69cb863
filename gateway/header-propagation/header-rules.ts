// The header propagation rules (docs/header-propagation.md), as zod schemas: exported so that any
// source of gateway configuration (GATEWAY_HEADER_RULES today, a configuration file later)
// validates them alike. Default: no rule, nothing propagates in either direction.
import { z } from 'zod';
import { GATEWAY_CREDENTIAL_HEADER } from '../../common/gateway-credential.ts';

// RFC 9110 token characters; rules name headers in lower case (HTTP names are case-insensitive).
const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/, 'must be a header name in lower case')
  .refine((name) => !RESERVED_HEADERS.has(name), { message: 'is the gateway’s own (hop-by-hop, framing, credential, request id, trace context): no rule may name it' });

const pattern = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a regular expression' },
);

const cookieName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a cookie name');

/**
 * Headers no rule may carry: the connection's own (hop-by-hop, framing), and those with rules of
 * their own elsewhere (the gateway credential, the request id, the trace context; Cache-Control is
 * the entity cache's, see docs/entity-cache.md).
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'cache-control',
  GATEWAY_CREDENTIAL_HEADER,
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
]);

/** Credentials: a pattern never matches them, only a rule naming them forwards them. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'set-cookie']);

/** Which headers a rule is about: one by name, or every one whose name matches (never a credential or reserved one). */
export const headerMatch = z.union([z.object({ named: headerName }).strict(), z.object({ matching: pattern }).strict()]);
export type HeaderMatch = z.infer<typeof headerMatch>;

/** Client to subgraph. */
export const requestHeaderRule = z.union([
  z
    .object({
      /** Forward the client's header(s). */
      propagate: headerMatch,
      /** Under another name (a `named` match only). */
      rename: headerName.optional(),
      /** With `named: "cookie"`: only these cookies are forwarded (the others stay between the client and the gateway). */
      cookies: z.array(cookieName).min(1).optional(),
    })
    .strict()
    .refine((rule) => rule.rename === undefined || 'named' in rule.propagate, { message: 'rename needs a `named` match', path: ['rename'] })
    .refine((rule) => rule.cookies === undefined || ('named' in rule.propagate && rule.propagate.named === 'cookie' && rule.rename === undefined), {
      message: 'cookies goes with `named: "cookie"` (not renamed)',
      path: ['cookies'],
    }),
  /** Sent whatever the client sent: a fixed value. */
  z.object({ insert: headerName, value: z.string().regex(/^[\t\x20-\x7e]*$/, 'must be printable ASCII') }).strict(),
  /** Sent whatever the client sent: a value the gateway knows of the request. */
  z.object({ insert: headerName, from: z.enum(['clientIp', 'subgraph']) }).strict(),
]);
export type RequestHeaderRule = z.infer<typeof requestHeaderRule>;

/** How the values of one header from several fetches (or arriving twice in one) become the client's. */
export const HEADER_ALGORITHMS = ['append', 'first', 'last'] as const;

/** Subgraph to client. */
export const responseHeaderRule = z.union([
  z
    .object({
      propagate: headerMatch,
      /** `append` keeps every value; `first` / `last` one. Set-Cookie is always appended (cookies are never merged). */
      algorithm: z.enum(HEADER_ALGORITHMS).optional(),
      /** With `named: "set-cookie"`: only cookies of these names reach the client. */
      cookies: z.array(cookieName).min(1).optional(),
    })
    .strict()
    .refine((rule) => !('named' in rule.propagate && rule.propagate.named === 'set-cookie') || (rule.algorithm ?? 'append') === 'append', {
      message: 'set-cookie is appended (every cookie kept): no other algorithm',
      path: ['algorithm'],
    })
    .refine((rule) => ('named' in rule.propagate && rule.propagate.named === 'set-cookie') || rule.algorithm !== undefined, {
      message: 'required (append, first or last) for any header but set-cookie',
      path: ['algorithm'],
    })
    .refine((rule) => rule.cookies === undefined || ('named' in rule.propagate && rule.propagate.named === 'set-cookie'), {
      message: 'cookies goes with `named: "set-cookie"`',
      path: ['cookies'],
    }),
  /** Never propagated, whatever a later or broader rule says. */
  z.object({ refuse: headerMatch }).strict(),
]);
export type ResponseHeaderRule = z.infer<typeof responseHeaderRule>;

export const headerRuleSet = z
  .object({
    request: z.array(requestHeaderRule).default([]),
    response: z.array(responseHeaderRule).default([]),
  })
  .strict();
export type HeaderRuleSet = z.infer<typeof headerRuleSet>;

/** Rules for every subgraph (`all`) and per subgraph; a subgraph's own come first. */
export const headerRules = z
  .object({
    all: headerRuleSet.optional(),
    subgraphs: z.record(z.string(), headerRuleSet).optional(),
  })
  .strict();
export type HeaderRules = z.infer<typeof headerRules>;

/** The issues of `value` as `<variable>: <path>: <message>` lines (ConfigError's), or the rules. */
export function parseHeaderRules(value: unknown, variable: string, subgraphNames: readonly string[]): { rules: HeaderRules } | { issues: string[] } {
  const parsed = headerRules.safeParse(value);
  if (!parsed.success) {
    return { issues: parsed.error.issues.map((issue) => `${variable}: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`) };
  }
  const unknown = Object.keys(parsed.data.subgraphs ?? {}).filter((name) => !subgraphNames.includes(name));
  if (unknown.length > 0) return { issues: unknown.map((name) => `${variable}: subgraphs.${name}: no such subgraph (${subgraphNames.join(', ')})`) };
  return { rules: parsed.data };
}

/** True when no rule would propagate anything. */
export const noHeaderRules = (rules: HeaderRules): boolean =>
  [rules.all, ...Object.values(rules.subgraphs ?? {})].every((set) => set === undefined || (set.request.length === 0 && set.response.length === 0));
