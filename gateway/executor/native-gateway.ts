// GATEWAY_EXECUTOR=native: @apollo/gateway loads the supergraph; our own planner instance (the
// same @apollo/query-planner, same configuration) plans, and our executor runs the plans. It
// stands in for the ApolloGateway given to ApolloServer (the GatewayInterface: load,
// onSchemaLoadOrUpdate, stop) and returns its own executor from `load`.
import { Supergraph, operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import { buildOperationContext, type ApolloGateway } from '@apollo/gateway';
import { QueryPlanner } from '@apollo/query-planner';
import type {
  GatewayExecutor,
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';
import { SpanStatusCode } from '@opentelemetry/api';
import { Kind, type GraphQLError, type GraphQLSchema } from 'graphql';
import { graphqlRuntime } from '../subscriptions/graphql-runtime.ts';
import type { GatewayContext } from '../context.ts';
import { callerOf } from '../subgraph-data-source.ts';
import type { SubgraphFetcher } from '../subgraph-transport.ts';
import { executeQueryPlan, tracer, type CompiledOperation } from './execute-plan.ts';
import { compileResultShaper } from './result-shaper.ts';

interface Planning {
  readonly planner: QueryPlanner;
  readonly apiSchema: Schema;
  readonly apiGraphQLSchema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  /** Compiled operations by query hash, operation name and override labels; cleared with a new supergraph. */
  readonly cache: Map<string, CompiledOperation>;
  /** Progressive @override labels (`percent(N)`), evaluated per request. */
  readonly percentLabels: readonly { readonly label: string; readonly percent: number }[];
}

const PERCENT_LABEL = /^percent\((\d+(?:\.\d+)?)\)$/;

/** The `percent(N)` override labels of a supergraph (other labels stay off, as the planner defaults them). */
function percentLabelsOf(supergraph: Supergraph): { label: string; percent: number }[] {
  const joinField = supergraph.schema.directives().find((directive) => directive.name === 'join__field');
  const labels = new Set<string>();
  for (const application of joinField?.applications() ?? []) {
    const label: unknown = application.arguments()['overrideLabel'];
    if (typeof label === 'string') labels.add(label);
  }
  return [...labels].flatMap((label) => {
    const match = PERCENT_LABEL.exec(label);
    return match ? [{ label, percent: Number(match[1]) }] : [];
  });
}

export interface NativeGatewayOptions {
  /** Loads the supergraph (and keeps doing what it does for schema updates). */
  readonly gateway: ApolloGateway;
  readonly fetcher: SubgraphFetcher;
  /** Compiled operations kept (least recently compiled go first). */
  readonly planCacheSize?: number;
}

export function createNativeGateway({ gateway, fetcher, planCacheSize = 2_000 }: NativeGatewayOptions): GatewayInterface {
  let planning: Planning | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    const supergraph = Supergraph.build(coreSupergraphSdl);
    planning = {
      planner: new QueryPlanner(supergraph),
      apiSchema: supergraph.apiSchema(),
      apiGraphQLSchema: apiSchema,
      supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
      cache: new Map(),
      percentLabels: percentLabelsOf(supergraph),
    };
  });

  const compile = (
    current: Planning,
    requestContext: GatewayGraphQLRequestContext,
    operationContext: ReturnType<typeof buildOperationContext>,
    overrideConditions: Map<string, boolean> | undefined,
  ): CompiledOperation | { errors: GraphQLError[] } => {
    const { document, request } = requestContext;
    const plan = tracer.startActiveSpan('gateway.plan', (span) => {
      try {
        const operation = operationFromDocument(current.apiSchema, document, { operationName: request.operationName ?? undefined });
        return current.planner.buildQueryPlan(operation, overrideConditions ? { overrideConditions } : undefined);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
    // Built as @apollo/gateway's executeQueryPlan builds it for shaping: the operation and its fragments, unvalidated.
    let operation: Operation;
    try {
      operation = operationFromDocument(
        current.apiSchema,
        { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] },
        { validate: false },
      );
    } catch (error) {
      // As @apollo/gateway: an operation it cannot build for shaping answers with that error.
      if (error instanceof graphqlRuntime.GraphQLError) return { errors: [error] };
      throw error;
    }
    return {
      plan,
      operation,
      shaper: compileResultShaper(operation),
      operationDefinition: operationContext.operation,
      apiSchema: current.apiGraphQLSchema,
      supergraphSchema: current.supergraphSchema,
    };
  };

  const executor: GatewayExecutor = (requestContext) =>
    tracer.startActiveSpan('gateway.request', async (span): Promise<GatewayExecutionResult> => {
      try {
        const current = planning;
        if (!current) throw new Error('the supergraph is not loaded yet');
        const { request, queryHash } = requestContext;
        // Each progressive override label is drawn for this request; the plan depends on the draw.
        let overrideConditions: Map<string, boolean> | undefined;
        let overrideKey = '';
        if (current.percentLabels.length > 0) {
          overrideConditions = new Map();
          for (const { label, percent } of current.percentLabels) {
            const enabled = Math.random() * 100 < percent;
            overrideConditions.set(label, enabled);
            overrideKey += enabled ? '1' : '0';
          }
        }
        const key = `${queryHash}\u0000${request.operationName ?? ''}\u0000${overrideKey}`;
        let compiled = current.cache.get(key);
        const operationContext = compiled
          ? undefined
          : buildOperationContext({ schema: current.apiGraphQLSchema, operationDocument: requestContext.document, operationName: request.operationName });
        const definition = compiled?.operationDefinition ?? operationContext?.operation;
        if (definition?.variableDefinitions && definition.variableDefinitions.length > 0) {
          const { errors } = graphqlRuntime.getVariableValues(current.apiGraphQLSchema, definition.variableDefinitions, request.variables ?? {});
          if (errors) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            return { errors };
          }
        }
        if (!compiled) {
          const built = compile(current, requestContext, operationContext!, overrideConditions);
          if (!('plan' in built)) return built;
          compiled = built;
          if (current.cache.size >= planCacheSize) current.cache.delete(current.cache.keys().next().value as string);
          current.cache.set(key, compiled);
        }
        const result = await executeQueryPlan(compiled, request.variables, callerOf(requestContext.context as Partial<GatewayContext>), fetcher);
        if (result.errors) span.setStatus({ code: SpanStatusCode.ERROR });
        return result as GatewayExecutionResult;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });

  return {
    onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
      return gateway.onSchemaLoadOrUpdate(callback);
    },
    async load(options): Promise<GatewayLoadResult> {
      await gateway.load(options);
      return { executor };
    },
    stop: () => gateway.stop(),
  };
}
