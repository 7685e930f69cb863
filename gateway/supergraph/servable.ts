// What makes a supergraph one this gateway can serve, with its configuration: it routes only to
// configured subgraphs (with their credential), and its `@event` subscription fields can be served.
// Checked at start (a failure stops the start, naming what is missing) and at each reload (a failure
// refuses the new supergraph).
import { ConfigError } from '../../common/config.ts';
import type { SubgraphName } from '../../common/service/subgraph-config.ts';
import type { GatewayConfig } from '../config.ts';
import { eventFieldProblems, readEventFields } from '../subscriptions/event-fields.ts';
import { buildSupergraph } from '../../common/supergraph.ts';

/** Subgraph names the supergraph routes to, read from its join__Graph enum. */
export function subgraphsOf(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((match) => match[1] as string);
}

/** Throws when the gateway cannot start serving `supergraphSdl` with `config`. */
export function assertServable(config: GatewayConfig, supergraphSdl: string): void {
  const routed = subgraphsOf(supergraphSdl);
  const unknown = routed.filter((name) => !(name in config.subgraphs));
  if (unknown.length > 0) throw new Error(`supergraph routes to subgraphs with no configuration: ${unknown.join(', ')}`);
  const withoutSecret = routed.map((name) => config.subgraphs[name as SubgraphName]).filter((endpoint) => !endpoint.secret);
  if (withoutSecret.length > 0) {
    throw new ConfigError(withoutSecret.map((endpoint) => `${endpoint.secretVariable}: required when NODE_ENV=production`));
  }
  // A subscription declaration that cannot work stops the start, naming the field (a reload refuses it instead).
  readEventFields(supergraphSdl);
}

/** What keeps a new supergraph (file, shared source) from replacing the one served; empty when it can. */
export const servingProblems =
  (config: GatewayConfig) =>
  (sdl: string): string[] => {
    const unconfigured = subgraphsOf(sdl).filter((name) => !(name in config.subgraphs) || !config.subgraphs[name as SubgraphName].secret);
    if (unconfigured.length > 0) return [`routes to subgraphs with no configuration: ${unconfigured.join(', ')}`];
    try {
      return eventFieldProblems(readEventFields(sdl), buildSupergraph(sdl).apiSchema().toGraphQLJSSchema());
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
  };
