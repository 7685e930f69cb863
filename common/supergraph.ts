// Which linked features a supergraph may use, for everything here that loads one (the gateway,
// its executor, hot reload, the schema scripts). @apollo/gateway accepts only the features its own
// executor runs and refuses any other `@link(for: SECURITY | EXECUTION)`; ours runs more, and a
// feature is added here only once the gateway honours it (a security feature it ignored would
// serve what the schema forbids).
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import type { DocumentNode } from 'graphql';

export const SUPPORTED_SUPERGRAPH_FEATURES: ReadonlySet<string> = new Set([
  ...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES,
  // @context / @fromContext: gateway/executor/context-rewrites.ts.
  'https://specs.apollo.dev/context/v0.1',
]);

/** Supergraph.build with the features above (a feature outside them is refused, naming it). */
export function buildSupergraph(sdl: string | DocumentNode, options: { readonly validateSupergraph?: boolean } = {}): Supergraph {
  return Supergraph.build(sdl, { ...options, supportedFeatures: new Set(SUPPORTED_SUPERGRAPH_FEATURES) });
}
