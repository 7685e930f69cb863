import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';

/** Tells every client where it stands in its budget, not only the ones refused. */
export function rateLimitHeadersPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (!contextValue.rateLimit) return;
          for (const [name, value] of Object.entries(rateLimitHeaders(contextValue.rateLimit))) {
            if (!response.http.headers.has(name)) response.http.headers.set(name, value);
          }
        },
      };
    },
  };
}
