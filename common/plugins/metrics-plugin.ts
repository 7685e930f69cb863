import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ServiceMetrics } from '../metrics.ts';

/** Counts and times every operation by name and outcome. */
export function metricsPlugin<TContext extends BaseContext>(metrics: ServiceMetrics): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const stopTimer = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const operation = operationName ?? 'anonymous';
          stopTimer({ operation });
          const failed = (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.graphqlRequests.inc({ operation, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}
