import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../../common/errors.ts';
import type { GatewayFeature } from '../feature.ts';

/** What a client is told to wait before retrying a SERVICE_UNAVAILABLE answer. */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * A SERVICE_UNAVAILABLE error from any subgraph (its database could not take the work in time:
 * nothing was written) tells the client when to retry: a `Retry-After` header, and HTTP 503 when
 * no data came back at all (with partial data the response stays 200, as GraphQL over HTTP wants).
 */
export function serviceUnavailablePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (!errors?.some((error) => error.extensions?.['code'] === ErrorCode.serviceUnavailable)) return;
          if (!response.http.headers.has('retry-after')) response.http.headers.set('retry-after', String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS));
          if (data === null || data === undefined) response.http.status = 503;
        },
      };
    },
  };
}

/** Always on. */
export function createServiceUnavailable(): GatewayFeature {
  return { name: 'service-unavailable', apolloPlugins: [serviceUnavailablePlugin()] };
}
