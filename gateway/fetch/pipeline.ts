// The subgraph fetch as a pipeline: the fetch layers of the features that are on, placed by their
// stage (STAGES in fetch-types.ts, outermost first) whatever order the features are listed in,
// composed once into the fetcher the executor and @apollo/gateway's data sources use. Each layer
// calls `next` for the one below; the transport is the last and calls nothing.
import type { GatewayFeature } from '../feature.ts';
import { STAGES, type FetchLayer, type FetchNext, type SubgraphCaller, type SubgraphFetch, type SubgraphFetcher, type SubgraphRequest } from './fetch-types.ts';

const isMutationDocument = (query: string) => /^\s*mutation\b/.test(query);

const belowTransport: FetchNext = (fetch) => Promise.reject(new Error(`no layer below the transport (fetch to ${fetch.subgraph})`));

/** The layers of these features, in stage order (a stable sort: two of one stage keep list order). */
export function fetchLayersOf(features: readonly GatewayFeature[]): FetchLayer[] {
  const layers = features.flatMap((feature) => (feature.fetch ? [feature.fetch] : []));
  return layers.toSorted((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
}

/**
 * The fetcher over `subgraphs` (the configured ones) through the fetch layers of `features`.
 * Fails at composition, not at the first fetch, when no feature provides the one transport.
 */
export function createFetchPipeline(features: readonly GatewayFeature[], subgraphs: Iterable<string>): SubgraphFetcher {
  const layers = fetchLayersOf(features);
  const transports = layers.filter((layer) => layer.stage === 'transport').length;
  if (transports !== 1) throw new Error(`the subgraph fetch needs exactly one transport layer, found ${transports}`);
  // Composed once: a fetch costs one call per layer, no allocation of the chain.
  let chain: FetchNext = belowTransport;
  for (const layer of layers.toReversed()) {
    const next = chain;
    chain = (fetch) => layer.handle(fetch, next);
  }
  const configured = new Set(subgraphs);
  const run = chain;
  return {
    has: (subgraph) => configured.has(subgraph),
    fetch: run,
    async send(subgraph: string, request: SubgraphRequest, caller: SubgraphCaller, batchable = false) {
      const mutation = isMutationDocument(request.query);
      const fetch: SubgraphFetch = { subgraph, request, caller, mutation, batchable: batchable && !mutation };
      return (await run(fetch)).response;
    },
  };
}
