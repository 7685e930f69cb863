import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from './context.ts';
import type { SubgraphCaller, SubgraphTransport } from './subgraph-transport.ts';

export { SUBGRAPH_UNAVAILABLE } from './subgraph-transport.ts';

/** The caller a gateway context asserts to subgraphs (internal fetches have no request id). */
export const callerOf = (gatewayContext: Partial<GatewayContext> | undefined): SubgraphCaller => ({
  viewer: gatewayContext?.viewer ?? null,
  requestId: gatewayContext?.requestId ?? 'gateway-internal',
  cachePolicy: gatewayContext?.cachePolicy,
  scope: gatewayContext?.fetchScope,
});

/**
 * @apollo/gateway's data source for one subgraph, over our executor's transport (credentials,
 * resilience, metrics, keep-alive pool). In production @apollo/gateway sends through it only the
 * health check of a new supergraph's subgraphs before a reload (credentials included); the
 * differential tests' oracle (test/support/apollo-oracle.ts) executes plans through it.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(private readonly transport: SubgraphTransport) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const response = await this.transport.send(
      { query: request.query, operationName: request.operationName ?? undefined, variables: request.variables },
      callerOf(options.context as Partial<GatewayContext>),
    );
    return response as GatewayGraphQLResponse;
  }
}
