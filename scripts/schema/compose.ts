import { composeServices } from '@apollo/composition';
import { parse, type GraphQLError } from 'graphql';
import type { SubgraphSource } from './supergraph-config.ts';

export type CompositionResult =
  | { ok: true; supergraphSdl: string; hints: string[] }
  | { ok: false; errors: string[]; hints: string[] };

function describe(error: GraphQLError): string {
  const code = typeof error.extensions['code'] === 'string' ? `[${error.extensions['code']}] ` : '';
  const where = (error.nodes ?? [])
    .map((node) => (node.loc?.source.name ? `${node.loc.source.name}:${node.loc.startToken.line}` : undefined))
    .filter((place): place is string => place !== undefined);
  return `${code}${error.message}${where.length ? ` (at ${[...new Set(where)].join(', ')})` : ''}`;
}

/** Composes subgraph SDLs with Apollo's own composition (what rover runs), reporting subgraph and coordinates. */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): CompositionResult {
  const services = subgraphs.map((subgraph) => ({
    name: subgraph.name,
    url: subgraph.url,
    typeDefs: parse(subgraph.sdl, { noLocation: false }),
  }));
  // Name each source after its subgraph so errors point at the right file.
  for (const service of services) {
    if (service.typeDefs.loc) service.typeDefs.loc.source.name = service.name;
  }
  const result = composeServices(services);
  const hints = (result.hints ?? []).map((hint) => `[${hint.definition.code}] ${hint.message}`);
  if (result.errors) return { ok: false, errors: result.errors.map(describe), hints };
  return { ok: true, supergraphSdl: result.supergraphSdl, hints };
}
