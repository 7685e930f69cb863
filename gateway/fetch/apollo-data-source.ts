import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context.ts';
import { callerOf } from './caller.ts';
import type { SubgraphFetcher } from './fetch-types.ts';

/**
 * @apollo/gateway's data source for one subgraph, over the fetch pipeline (credentials,
 * resilience, metrics, keep-alive pool). In production @apollo/gateway sends through it only the
 * health check of a new supergraph's subgraphs before a reload (credentials included); the
 * differential tests' oracle (test/support/apollo-oracle.ts) executes plans through it.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly fetcher: SubgraphFetcher,
    private readonly subgraph: string,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const response = await this.fetcher.send(
      this.subgraph,
      { query: request.query, operationName: request.operationName ?? undefined, variables: request.variables },
      callerOf(options.context as Partial<GatewayContext>),
    );
    return response as GatewayGraphQLResponse;
  }
}
