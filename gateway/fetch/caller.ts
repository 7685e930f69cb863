import type { GatewayContext } from '../context.ts';
import type { SubgraphCaller } from './fetch-types.ts';

/** The caller a gateway context asserts to subgraphs (internal fetches have no request id), with the request's fetch scope. */
export const callerOf = (gatewayContext: Partial<GatewayContext> | undefined): SubgraphCaller => ({
  viewer: gatewayContext?.viewer ?? null,
  requestId: gatewayContext?.requestId ?? 'gateway-internal',
  scope: gatewayContext?.fetchScope,
});
