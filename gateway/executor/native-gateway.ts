// The gateway's executor: @apollo/gateway loads the supergraph; our own planner instance (the
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
import { createHash } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ApolloServerPlugin, GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha2 } from '@apollo/server';
import { Kind, type DocumentNode, type GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { graphqlRuntime } from '../subscriptions/graphql-runtime.ts';
import type { GatewayContext } from '../context.ts';
import { callerOf } from '../subgraph-data-source.ts';
import type { SubgraphFetcher } from '../subgraph-transport.ts';
import { executeQueryPlan, executorTracer, type CompiledOperation, type IncrementalExecutionResult, type SubsequentResult } from './execute-plan.ts';
import { ErrorCode } from '../../common/errors.ts';
import { unplannedRootFields } from './plan-coverage.ts';
import { aliasRequiredArgumentConflicts, requiredArgumentsOf, type RequiredArguments } from './requires-arguments.ts';
import { requiresWithArgumentsOf, separateConflictingRequires, type RequiresWithArguments } from './requires-conflicts.ts';
import { compileResultShaper } from './result-shaper.ts';

interface Planning {
  readonly planner: QueryPlanner;
  /** The same planner with incremental delivery: for operations with @defer from clients that accept multipart. */
  readonly deferPlanner: QueryPlanner;
  readonly apiSchema: Schema;
  readonly apiGraphQLSchema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  /** Compiled operations by query hash, operation name and override labels; cleared with a new supergraph. */
  readonly cache: Map<string, CompiledOperation>;
  /** Progressive @override labels (`percent(N)`), evaluated per request. */
  readonly percentLabels: readonly { readonly label: string; readonly percent: number }[];
  /** Fields that @requires selections select with arguments (a selection of theirs may need an alias). */
  readonly requiredArguments: RequiredArguments;
  /** Each subgraph's @requires fields that select fields with arguments (requires-conflicts.ts). */
  readonly requiresWithArguments: RequiresWithArguments;
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
  /** Apollo Server's formatError, for the errors of deferred parts (Apollo Server formats the rest). */
  readonly formatError: FormatError;
  /**
   * Identical queries in flight at once (same operation, variables and viewer) share one
   * execution and its result (read-only from then on); never mutations, never @defer.
   */
  readonly dedup?: boolean;
  /** Fetches to one subgraph ready at the same moment go as one request (queries only; gateway/subgraph-batch.ts). */
  readonly batchFetches?: boolean;
  /** Compiled operations kept (least recently compiled go first). */
  readonly planCacheSize?: number;
  /** Counts each look-up of a compiled operation (the gateway's plan-cache metrics). */
  readonly planCacheEvents?: { hit(): void; miss(): void };
}

export interface NativeGateway extends GatewayInterface {
  /** Streams the deferred parts of an operation with @defer (add it to Apollo Server's plugins). */
  readonly incrementalDelivery: ApolloServerPlugin<GatewayContext>;
  /**
   * Plans and compiles an operation for the supergraph served now, so its first request finds it
   * ready (trusted documents at start, recent operations at a reload). False when it does not plan.
   */
  readonly warm: (query: string, operationName: string | undefined) => boolean;
}

const INCREMENTAL_MEDIA_TYPE = /multipart\/mixed[^,]*deferSpec=20220824/i;
const acceptsIncrementalDelivery = (accept: string | undefined) => accept !== undefined && INCREMENTAL_MEDIA_TYPE.test(accept);

const deferUsage = new WeakMap<DocumentNode, boolean>();
function hasDefer(document: DocumentNode): boolean {
  let found = deferUsage.get(document);
  if (found === undefined) {
    found = false;
    graphqlRuntime.visit(document, {
      Directive(node) {
        if (node.name.value === 'defer') found = true;
      },
    });
    deferUsage.set(document, found);
  }
  return found;
}

// The deferred parts as subsequent payloads (deferSpec=20220824), each as soon as it is done,
// their errors formatted as Apollo Server formats the primary part's. An execution that fails
// midway ends the stream with that error.
async function* subsequentOf(
  parts: AsyncGenerator<SubsequentResult>,
  formatError: FormatError,
): AsyncGenerator<GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha2> {
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  try {
    for await (const { incremental, hasNext } of parts) {
      yield {
        hasNext,
        ...(incremental.length > 0
          ? {
              incremental: incremental.map(({ data, path, label, errors }) => ({
                data,
                path,
                ...(label !== undefined ? { label } : {}),
                ...(errors ? { errors: format(errors) } : {}),
              })),
            }
          : {}),
      };
    }
  } catch (error) {
    const failure = error instanceof graphqlRuntime.GraphQLError ? error : new graphqlRuntime.GraphQLError('Unexpected error during query plan execution');
    yield { hasNext: false, incremental: [{ data: null, path: [], errors: format([failure]) }] };
  }
}

// Every @defer gets a label (the plan's deferred parts and the shaper's deferred fragments are
// matched by label); the ones made here are never sent to the client.
function labelDefers(document: DocumentNode): { document: DocumentNode; generated: Set<string> } | undefined {
  const taken = new Set<string>();
  graphqlRuntime.visit(document, {
    Directive(node) {
      const label = node.name.value === 'defer' ? node.arguments?.find((argument) => argument.name.value === 'label')?.value : undefined;
      if (label?.kind === Kind.STRING) taken.add(label.value);
    },
  });
  const generated = new Set<string>();
  const labelled = graphqlRuntime.visit(document, {
    Directive(node) {
      if (node.name.value !== 'defer' || node.arguments?.some((argument) => argument.name.value === 'label')) return undefined;
      let label = `_deferred${generated.size}`;
      while (taken.has(label)) label = `${label}_`;
      generated.add(label);
      return { ...node, arguments: [...(node.arguments ?? []), { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'label' }, value: { kind: Kind.STRING, value: label } }] };
    },
  });
  return generated.size > 0 ? { document: labelled, generated } : undefined;
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export function createNativeGateway({
  gateway,
  fetcher,
  formatError,
  dedup = false,
  batchFetches = false,
  planCacheSize = 2_000,
  planCacheEvents,
}: NativeGatewayOptions): NativeGateway {
  const inFlight = new Map<string, Promise<IncrementalExecutionResult>>();
  let planning: Planning | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    const supergraph = Supergraph.build(coreSupergraphSdl);
    // The API schema Apollo Server validates against, with the @defer directive we can execute.
    const withDefer = supergraph.apiSchema().toGraphQLJSSchema({ includeDefer: true });
    withDefer.extensions = apiSchema.extensions;
    const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    planning = {
      planner: new QueryPlanner(supergraph),
      deferPlanner: new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } }),
      apiSchema: supergraph.apiSchema(),
      apiGraphQLSchema: withDefer,
      supergraphSchema,
      cache: new Map(),
      percentLabels: percentLabelsOf(supergraph),
      requiredArguments: requiredArgumentsOf(supergraph, supergraphSchema),
      requiresWithArguments: requiresWithArgumentsOf(supergraph, supergraphSchema),
    };
  });

  const compile = (
    current: Planning,
    requestContext: GatewayGraphQLRequestContext,
    operationContext: ReturnType<typeof buildOperationContext>,
    overrideConditions: Map<string, boolean> | undefined,
    incremental: boolean,
  ): CompiledOperation | { errors: GraphQLError[] } => {
    const { request } = requestContext;
    // A selection that would meet a @requires' field with other arguments gets an alias of its own.
    const aliased = aliasRequiredArgumentConflicts(requestContext.document, current.apiGraphQLSchema, current.requiredArguments);
    const labelled = incremental ? labelDefers(aliased?.document ?? requestContext.document) : undefined;
    const document = labelled?.document ?? aliased?.document ?? requestContext.document;
    if (document !== requestContext.document)
      operationContext = buildOperationContext({ schema: current.apiGraphQLSchema, operationDocument: document, operationName: request.operationName });
    const planned = executorTracer().startActiveSpan('gateway.plan', (span) => {
      try {
        const operation = operationFromDocument(current.apiSchema, document, { operationName: request.operationName ?? undefined });
        return (incremental ? current.deferPlanner : current.planner).buildQueryPlan(operation, overrideConditions ? { overrideConditions } : undefined);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
    // @requires that disagree on a field's arguments: each gets its own (requires-conflicts.ts).
    const separated = separateConflictingRequires(planned, current.requiresWithArguments, current.supergraphSchema);
    const plan = separated.plan;
    const unplanned = unplannedRootFields(plan, document, operationContext.operation);
    if (unplanned.length > 0) {
      const message = `The query planner found no way to resolve ${unplanned.map((name) => `"${name}"`).join(', ')}.`;
      return { errors: [new graphqlRuntime.GraphQLError(message, { extensions: { code: ErrorCode.internal } })] };
    }
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
      shaper: compileResultShaper(operation, { ...(aliased ? { responseNames: aliased.responseNames } : {}) }),
      ...(incremental ? { primaryShaper: compileResultShaper(operation, { withoutDeferred: true, ...(aliased ? { responseNames: aliased.responseNames } : {}) }) } : {}),
      operationDefinition: operationContext.operation,
      // Error paths name the client's fields and the required fields, never the gateway's aliases.
      ...(aliased || separated.responseNames.size > 0 ? { responseNames: new Map([...(aliased?.responseNames ?? []), ...separated.responseNames]) } : {}),
      ...(labelled ? { generatedDeferLabels: labelled.generated } : {}),
      apiSchema: current.apiGraphQLSchema,
      supergraphSchema: current.supergraphSchema,
    };
  };

  const remember = (current: Planning, key: string, compiled: CompiledOperation) => {
    if (current.cache.size >= planCacheSize) current.cache.delete(current.cache.keys().next().value as string);
    current.cache.set(key, compiled);
  };
  // The key of an operation without @defer and without override labels to draw (a request draws them).
  const plainKey = (queryHash: string, operationName: string | undefined) => `${queryHash}\u0000${operationName ?? ''}\u0000`;

  const warm = (query: string, operationName: string | undefined): boolean => {
    const current = planning;
    if (!current || current.percentLabels.length > 0) return false;
    const queryHash = createHash('sha256').update(query).digest('hex');
    const key = plainKey(queryHash, operationName);
    if (current.cache.has(key)) return true;
    try {
      const document = graphqlRuntime.parse(query);
      if (graphqlRuntime.validate(current.apiGraphQLSchema, document).length > 0) return false;
      const operationContext = buildOperationContext({ schema: current.apiGraphQLSchema, operationDocument: document, operationName });
      const requestContext = { document, request: { query, operationName } } as unknown as GatewayGraphQLRequestContext;
      const built = compile(current, requestContext, operationContext, undefined, false);
      if (!('plan' in built)) return false;
      remember(current, key, built);
      return true;
    } catch {
      return false; // planned (and answered) at request time
    }
  };

  const executor: GatewayExecutor = (requestContext) =>
    executorTracer().startActiveSpan('gateway.request', async (span): Promise<GatewayExecutionResult> => {
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
        // @defer is honoured for clients that accept incremental delivery; for others it is ignored.
        const incremental = acceptsIncrementalDelivery(request.http?.headers.get('accept') ?? undefined) && hasDefer(requestContext.document);
        const key = `${queryHash}\u0000${request.operationName ?? ''}\u0000${overrideKey}${incremental ? '\u0000defer' : ''}`;
        let compiled = current.cache.get(key);
        if (compiled) planCacheEvents?.hit();
        else planCacheEvents?.miss();
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
          const built = compile(current, requestContext, operationContext!, overrideConditions, incremental);
          if (!('plan' in built)) return built;
          compiled = built;
          remember(current, key, compiled);
        }
        const caller = callerOf(requestContext.context as Partial<GatewayContext>);
        const run = () => executeQueryPlan(compiled, request.variables, caller, fetcher, batchFetches && compiled.operation.rootKind === 'query');
        let execution: Promise<IncrementalExecutionResult>;
        if (dedup && !incremental && compiled.operation.rootKind === 'query') {
          // Authorization depends on the viewer alone, so the viewer's id and role complete the key.
          // And the client headers forwarded to subgraphs (header propagation), when any are.
          const varyKey = (requestContext.context as Partial<GatewayContext>).varyKey ?? '';
          const shareKey = `${key}\u0000${caller.viewer?.id ?? ''}\u0000${caller.viewer?.role ?? ''}\u0000${JSON.stringify(request.variables ?? {})}\u0000${varyKey}`;
          let shared = inFlight.get(shareKey);
          if (!shared) {
            shared = run();
            inFlight.set(shareKey, shared);
            const forget = () => inFlight.delete(shareKey);
            shared.then(forget, forget);
          }
          execution = shared;
        } else {
          execution = run();
        }
        const { subsequent, ...result } = await execution;
        if (result.errors) span.setStatus({ code: SpanStatusCode.ERROR });
        if (subsequent) deferredParts.set(requestContext.context, subsequent);
        return result as GatewayExecutionResult;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });

  // Apollo Server takes one result from a gateway's executor; for a deferred operation, this
  // plugin turns the response into an incremental one (multipart): the deferred parts follow it.
  const deferredParts = new WeakMap<object, AsyncGenerator<SubsequentResult>>();
  const incrementalDelivery: ApolloServerPlugin<GatewayContext> = {
    requestDidStart: async () => ({
      willSendResponse: async ({ contextValue, response }) => {
        const parts = deferredParts.get(contextValue);
        if (!parts || response.body.kind !== 'single') return;
        deferredParts.delete(contextValue);
        response.body = {
          kind: 'incremental',
          initialResult: { ...response.body.singleResult, hasNext: true },
          subsequentResults: subsequentOf(parts, formatError),
        };
      },
    }),
  };

  return {
    incrementalDelivery,
    warm,
    onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
      // Apollo Server validates against the schema with @defer.
      return gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl, apiSchema }) => callback({ coreSupergraphSdl, apiSchema: planning?.apiGraphQLSchema ?? apiSchema }));
    },
    async load(options): Promise<GatewayLoadResult> {
      await gateway.load(options);
      return { executor };
    },
    stop: () => gateway.stop(),
  };
}
