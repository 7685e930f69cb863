import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { breachOf, measureOperation, type OperationLimits, type OperationShape } from '../../common/operation-limits.ts';

/**
 * Refuses an operation that breaks a limit after it is parsed and validated and before it is
 * planned, so no subgraph ever sees it. HTTP 400 with the limit's own code. (Cost is demand
 * control's: gateway/demand-control/.)
 */
export function operationLimitsPlugin<TContext extends BaseContext>(limits: OperationLimits): ApolloServerPlugin<TContext> {
  // An operation without variables measures the same every time, and Apollo Server hands the same
  // (cached) document to each request of the same text: measured once, not walked per request.
  const fixed = new WeakMap<OperationDefinitionNode, OperationShape>();
  const measure = (document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): OperationShape => {
    if (operation.variableDefinitions && operation.variableDefinitions.length > 0) return measureOperation(document, operation, variables);
    let shape = fixed.get(operation);
    if (!shape) {
      shape = measureOperation(document, operation, variables);
      fixed.set(operation, shape);
    }
    return shape;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const breach = breachOf(measure(document, operation, request.variables ?? {}), limits);
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
