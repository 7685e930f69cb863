import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { context, propagation } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../common/errors.ts';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import type { GatewayContext } from './context.ts';
import type { SubgraphFetchMetrics } from './resilience/subgraph-fetch-metrics.ts';
import { failureReason, type SubgraphPolicies } from './resilience/subgraph-policies.ts';

export const SUBGRAPH_UNAVAILABLE = ErrorCode.subgraphUnavailable;

type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;

export interface SubgraphDataSourceOptions {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly policies: SubgraphPolicies;
  readonly metrics: SubgraphFetchMetrics;
}

// Every subgraph fetch is bounded, so a hung subgraph becomes an error instead of a hung request.
const fetchWithTimeout = (timeoutMs: number): Fetcher =>
  ((url: string, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as Fetcher;

const isMutation = (options: GraphQLDataSourceProcessOptions<GatewayContext>) =>
  /^\s*mutation\b/.test(options.request.query ?? '');

/**
 * Sends the gateway's credential for this subgraph, carrying the verified viewer and request
 * id. Nothing from the client's own headers is forwarded, so an `x-user-id` a client invents
 * never reaches a subgraph. Every fetch runs through the subgraph's bulkhead and circuit
 * breaker, and queries (never mutations) are retried on transient failures; a subgraph that
 * cannot answer becomes one SUBGRAPH_UNAVAILABLE error on its fields, the rest of the response
 * still arrives.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly secret: string;

  constructor(private readonly options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: fetchWithTimeout(options.timeoutMs) });
    this.secret = options.secret;
  }

  override async willSendRequest(request: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const gatewayContext = request.context as Partial<GatewayContext>;
    const requestId = gatewayContext.requestId ?? 'gateway-internal';
    const credential = await signGatewayCredential(this.options.name, this.secret, { viewer: gatewayContext.viewer ?? null, requestId });
    request.request.http?.headers.set(GATEWAY_CREDENTIAL_HEADER, credential);
    request.request.http?.headers.set('x-request-id', requestId);
    // The active span is @apollo/gateway's `gateway.fetch` for this subgraph: the subgraph's spans become its children.
    const headers = request.request.http?.headers;
    if (headers) propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { name } = this.options;
    const policy = isMutation(options) ? this.options.policies.write : this.options.policies.read;
    const started = performance.now();
    try {
      const response = await policy.execute(() => super.process(options));
      this.options.metrics.duration.observe({ subgraph: name, outcome: 'ok' }, (performance.now() - started) / 1000);
      return response;
    } catch (error) {
      const reason = failureReason(error);
      this.options.metrics.duration.observe({ subgraph: name, outcome: 'error' }, (performance.now() - started) / 1000);
      this.options.metrics.failures.inc({ subgraph: name, reason });
      if (reason === 'other') throw error;
      throw new GraphQLError(`The ${name} service is unavailable (${reason.replace('_', ' ')}).`, {
        extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName: name, reason },
      });
    }
  }
}
