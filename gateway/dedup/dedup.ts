// Dedup (GATEWAY_DEDUP) as a layer of the subgraph fetch: identical queries in flight to one
// subgraph for the same viewer share one fetch. The key is the credential's scope (the viewer's id
// and role), the subgraph, the body and the headers layers above added: what makes the answer.
// Each caller owns its response: the first gets the one the layers below parsed, each other one
// parses the body text again (no deep copy of a parsed response). Mutations are never shared.
import type { GatewayFeature } from '../feature.ts';
import type { FetchLayer, SubgraphFetch, SubgraphReply } from '../fetch/fetch-types.ts';
import { rememberedBody } from '../fetch/request-body.ts';

interface InFlight {
  readonly reply: Promise<SubgraphReply>;
  /** Callers sharing it besides the first. */
  sharers: number;
  /** The JSON text they parse (the transport's own, or written once when the reply has none, e.g. a batch's split). */
  text?: string;
}

const headersKey = (headers: SubgraphFetch['headers']): string => (headers ? JSON.stringify(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : '');

export function createDedup(settings: { readonly enabled: boolean }): GatewayFeature | undefined {
  if (!settings.enabled) return undefined;
  const inFlight = new Map<string, InFlight>();

  const layer: FetchLayer = {
    stage: 'dedup',
    async handle(fetch, next) {
      if (fetch.mutation) return next(fetch);
      const { viewer } = fetch.caller;
      const key = `${viewer?.id ?? ''}\u0000${viewer?.role ?? ''}\u0000${fetch.subgraph}\u0000${headersKey(fetch.headers)}\u0000${rememberedBody(fetch.request)}`;
      const shared = inFlight.get(key);
      if (shared) {
        shared.sharers += 1;
        const reply = await shared.reply;
        return { response: JSON.parse(shared.text ?? reply.body ?? '{}') as SubgraphReply['response'], headers: reply.headers, reused: true };
      }
      const entry: InFlight = {
        // Settled before any caller's continuation runs: the entry is gone and the text is written
        // before the first caller can merge into its response.
        reply: next(fetch).then(
          (reply) => {
            inFlight.delete(key);
            if (entry.sharers > 0 && reply.body === undefined) entry.text = JSON.stringify(reply.response);
            return reply;
          },
          (error: unknown) => {
            inFlight.delete(key);
            throw error;
          },
        ),
        sharers: 0,
      };
      inFlight.set(key, entry);
      return entry.reply;
    },
  };
  return { name: 'dedup', fetch: layer };
}
