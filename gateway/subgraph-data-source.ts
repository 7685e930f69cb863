import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import type { GatewayContext } from './context.ts';

export interface SubgraphDataSourceOptions {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

// Every subgraph fetch is bounded, so a hung subgraph becomes an error instead of a hung request.
const fetchWithTimeout = (timeoutMs: number): Fetcher =>
  ((url: string, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as Fetcher;

/**
 * Sends the gateway's credential for this subgraph, carrying the verified viewer and request
 * id. Nothing from the client's own headers is forwarded, so an `x-user-id` a client invents
 * never reaches a subgraph.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly secret: string;

  constructor(private readonly options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: fetchWithTimeout(options.timeoutMs) });
    this.secret = options.secret;
  }

  override async willSendRequest(request: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const context = request.context as Partial<GatewayContext>;
    const requestId = context.requestId ?? 'gateway-internal';
    const credential = await signGatewayCredential(this.options.name, this.secret, { viewer: context.viewer ?? null, requestId });
    request.request.http?.headers.set(GATEWAY_CREDENTIAL_HEADER, credential);
    request.request.http?.headers.set('x-request-id', requestId);
  }
}
