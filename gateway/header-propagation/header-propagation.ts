// Header propagation by rule (docs/header-propagation.md), one gateway feature:
// - its context hook reads what the rules may forward from the client's request, once, into the
//   request's fetch scope;
// - its fetch layer (stage `headers`) adds those headers to each subgraph fetch, and collects the
//   subgraph's response headers the rules let through into the same scope entry, unless the reply
//   was reused (entity cache, a shared in-flight fetch): another request's Set-Cookie never leaks;
// - its Apollo plugin writes what was collected onto the client's response.
// Subscription events are fetched without a scope (fetch-types.ts): they neither send nor collect.
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.ts';
import type { GatewayFeature } from '../feature.ts';
import type { FetchLayer, FetchScope, SubgraphFetch, SubgraphReply } from '../fetch/fetch-types.ts';
import { CREDENTIAL_HEADERS, RESERVED_HEADERS, noHeaderRules, type HeaderMatch, type HeaderRuleSet, type HeaderRules } from './header-rules.ts';

/** Multi-value headers in Apollo's HeaderMap (one string per name): values joined by a newline, which no header value can hold (common/http/apollo-handler.ts splits them). */
export const MULTI_VALUE_SEPARATOR = '\n';

interface ScopeEntry {
  /** The client's headers, lower-case names, every value. */
  readonly client: ReadonlyMap<string, readonly string[]>;
  readonly clientIp: string | undefined;
  /** For the client's response: name → values, in arrival order. */
  readonly collected: Map<string, string[]>;
}

const SCOPE_KEY = Symbol('header-propagation');

const matches = (match: HeaderMatch, name: string, compiled: ReadonlyMap<string, RegExp>): boolean => {
  if ('named' in match) return match.named === name;
  // A pattern never reaches credentials nor the gateway's own headers: only a rule naming them does.
  if (CREDENTIAL_HEADERS.has(name) || RESERVED_HEADERS.has(name)) return false;
  return (compiled.get(match.matching) as RegExp).test(name);
};

/** `a=1; b=2` → the pairs named in `keep`, in the client's order. */
const keepCookies = (header: string, keep: readonly string[]): string | undefined => {
  const kept = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => keep.includes(pair.slice(0, pair.indexOf('=') === -1 ? pair.length : pair.indexOf('='))));
  return kept.length > 0 ? kept.join('; ') : undefined;
};

const setCookieName = (value: string): string => value.slice(0, Math.max(0, value.indexOf('='))).trim();

const clientHeadersOf = (req: IncomingMessage): Map<string, string[]> => {
  const headers = new Map<string, string[]>();
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    const name = (req.rawHeaders[index] as string).toLowerCase();
    const value = req.rawHeaders[index + 1] as string;
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return headers;
};

export interface HeaderPropagationSettings {
  readonly rules: HeaderRules;
}

/** The feature, or undefined when no rule propagates anything (the default). */
export function createHeaderPropagation({ rules }: HeaderPropagationSettings): GatewayFeature | undefined {
  if (noHeaderRules(rules)) return undefined;
  const compiled = new Map<string, RegExp>();
  const sets = [rules.all, ...Object.values(rules.subgraphs ?? {})].filter((set): set is HeaderRuleSet => set !== undefined);
  for (const set of sets) {
    for (const rule of [...set.request, ...set.response]) {
      const match = 'propagate' in rule ? rule.propagate : 'refuse' in rule ? rule.refuse : undefined;
      if (match && 'matching' in match) compiled.set(match.matching, new RegExp(match.matching));
    }
  }
  // A subgraph's own rules first, then those for all.
  const rulesFor = (subgraph: string): HeaderRuleSet => {
    const own = rules.subgraphs?.[subgraph];
    return { request: [...(own?.request ?? []), ...(rules.all?.request ?? [])], response: [...(own?.response ?? []), ...(rules.all?.response ?? [])] };
  };
  const bySubgraph = new Map<string, HeaderRuleSet>();
  const ruleSet = (subgraph: string): HeaderRuleSet => {
    let set = bySubgraph.get(subgraph);
    if (!set) bySubgraph.set(subgraph, (set = rulesFor(subgraph)));
    return set;
  };

  const requestHeaders = (subgraph: string, entry: ScopeEntry): Record<string, string | readonly string[]> => {
    const out: Record<string, string | readonly string[]> = {};
    for (const rule of ruleSet(subgraph).request) {
      if ('insert' in rule) {
        const value = 'value' in rule ? rule.value : rule.from === 'subgraph' ? subgraph : entry.clientIp;
        if (value !== undefined) out[rule.insert] = value;
        continue;
      }
      for (const [name, values] of entry.client) {
        if (!matches(rule.propagate, name, compiled)) continue;
        const target = rule.rename ?? name;
        // The first rule that places a header decides it.
        if (target in out) continue;
        if (rule.cookies) {
          const kept = keepCookies(values.join('; '), rule.cookies);
          if (kept !== undefined) out[target] = kept;
        } else {
          out[target] = values.length === 1 ? (values[0] as string) : values;
        }
      }
    }
    return out;
  };

  const collect = (subgraph: string, reply: SubgraphReply, entry: ScopeEntry): void => {
    const { response } = ruleSet(subgraph);
    for (const [name, values] of reply.headers) {
      const rule = response.find((each) => matches('propagate' in each ? each.propagate : each.refuse, name, compiled));
      if (!rule || 'refuse' in rule) continue;
      let kept = values;
      if (name === 'set-cookie' && rule.cookies) {
        const allowed = rule.cookies;
        kept = values.filter((value) => allowed.includes(setCookieName(value)));
      }
      if (kept.length === 0) continue;
      const algorithm = name === 'set-cookie' ? 'append' : (rule.algorithm ?? 'first');
      const already = entry.collected.get(name);
      if (algorithm === 'append') entry.collected.set(name, [...(already ?? []), ...kept]);
      else if (algorithm === 'last') entry.collected.set(name, [kept[kept.length - 1] as string]);
      else if (!already) entry.collected.set(name, [kept[0] as string]);
    }
  };

  const layer: FetchLayer = {
    stage: 'headers',
    async handle(fetch: SubgraphFetch, next) {
      const entry = fetch.caller.scope?.entries.get(SCOPE_KEY) as ScopeEntry | undefined;
      if (!entry) return next(fetch);
      const headers = requestHeaders(fetch.subgraph, entry);
      const reply = await next(Object.keys(headers).length > 0 ? { ...fetch, headers: { ...fetch.headers, ...headers } } : fetch);
      // A reused reply was made for another request (or another time): its headers are not this client's.
      if (!reply.reused) collect(fetch.subgraph, reply, entry);
      return reply;
    },
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const entry = contextValue.fetchScope?.entries.get(SCOPE_KEY) as ScopeEntry | undefined;
          if (!entry) return;
          for (const [name, values] of entry.collected) {
            // What the gateway itself answers with (rate limits, CORS, Cache-Control) is never replaced by a subgraph's.
            if (response.http.headers.has(name)) continue;
            response.http.headers.set(name, values.join(MULTI_VALUE_SEPARATOR));
          }
        },
      };
    },
  };

  return {
    name: 'header-propagation',
    context: (req, context) => {
      const fetchScope: FetchScope = context.fetchScope ?? { entries: new Map() };
      const entry: ScopeEntry = { client: clientHeadersOf(req), clientIp: context.clientIp, collected: new Map() };
      fetchScope.entries.set(SCOPE_KEY, entry);
      // What the subgraphs will be sent from this client: an execution shared with another request
      // (GATEWAY_DEDUP) must have been made with the same.
      const sent = [...Object.keys(rules.subgraphs ?? {}), ...(rules.all ? [''] : [])].map((name) => requestHeaders(name, entry));
      return { fetchScope, ...(sent.some((headers) => Object.keys(headers).length > 0) ? { varyKey: JSON.stringify(sent) } : {}) };
    },
    apolloPlugins: [plugin],
    fetch: layer,
  };
}
