import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { breachOf, measureOperation, type OperationLimits } from '../../common/operation-limits.ts';

/**
 * Refuses an operation that breaks a limit after it is parsed and validated and before it is
 * planned, so no subgraph ever sees it. HTTP 400 with the limit's own code.
 */
export function operationLimitsPlugin<TContext extends BaseContext>(limits: OperationLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const breach = breachOf(measureOperation(document, operation, request.variables ?? {}), limits);
          if (breach) {
            throw new GraphQLError(breach.message, {
              extensions: { code: breach.code, limit: breach.limit, actual: breach.actual, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
