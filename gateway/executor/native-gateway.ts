// The gateway's executor: @apollo/gateway loads the supergraph; our own planner instance (the
// same @apollo/query-planner, same configuration) plans, and our executor runs the plans. It
// stands in for the ApolloGateway given to ApolloServer (the GatewayInterface: load,
// onSchemaLoadOrUpdate, stop) and returns its own executor from `load`.
import { type Supergraph, operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
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
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { GatewayContext } from '../context.ts';
import { callerOf } from '../fetch/caller.ts';
import type { SubgraphFetcher } from '../fetch/fetch-types.ts';
import { executeQueryPlan, executorTracer, type CompiledOperation, type IncrementalExecutionResult, type PendingFragment, type SubsequentResult } from './execute-plan.ts';
import { ErrorCode } from '../../common/errors.ts';
import { unplannedRootFields } from './plan-coverage.ts';
import { aliasRequiredArgumentConflicts, requiredArgumentsOf, type RequiredArguments } from './requires-arguments.ts';
import { requiresWithArgumentsOf, separateConflictingRequires, type RequiresWithArguments } from './requires-conflicts.ts';
import { compileResultShaper } from './result-shaper.ts';
import { buildSupergraph } from '../../common/supergraph.ts';
import type { QueryPlan } from '@apollo/query-planner';
import { deserializePlan, operationKeyOf, serializePlan, type PlanStore } from './plan-serialization.ts';
import { incrementalFormatOf, toIncrementalSpecV02, type CutStream, type IncrementalFormat } from './incremental-format.ts';
import { applyStreams, coercedVariables, hasStream, streamFieldsOf, streamRuleViolations, withStreamDirective, withoutStream } from './stream.ts';

interface Planning {
  /** The sha256 of the supergraph SDL (as hot reload names it): the shared plans' key. */
  readonly supergraphId: string;
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
  /** Fetches to one subgraph ready at the same moment go as one request (queries only; the batching layer, gateway/batching/). */
  readonly batchFetches?: boolean;
  /** Compiled operations kept (least recently compiled go first). */
  readonly planCacheSize?: number;
  /** Counts each look-up of a compiled operation (the gateway's plan-cache metrics). */
  readonly planCacheEvents?: { hit(): void; miss(): void };
  /** Plans shared by workers and replicas (gateway/plan-store/): asked after a local miss, given each new plan. */
  readonly planStore?: PlanStore;
}

/** What our executor plans with for one supergraph (built at each load and reload). */
function planningOf(coreSupergraphSdl: string, apiSchemaExtensions: GraphQLSchema['extensions'] | undefined): Planning {
  const supergraph = buildSupergraph(coreSupergraphSdl);
  // The API schema Apollo Server validates against, with the @defer directive we can execute.
  const withDefer = withStreamDirective(supergraph.apiSchema().toGraphQLJSSchema({ includeDefer: true }));
  if (apiSchemaExtensions) withDefer.extensions = apiSchemaExtensions;
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  return {
    supergraphId: createHash('sha256').update(coreSupergraphSdl).digest('hex'),
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
}

/**
 * The plans of `operations` for a supergraph, as the gateway would make them for a request without
 * @defer (`npm run schema:publish` writes them to the shared plans ahead of a deploy). Operations
 * that do not validate or plan are left out, as the gateway's warm-up leaves them.
 */
export function planAhead(
  supergraphSdl: string,
  operations: readonly { readonly query: string; readonly operationName: string | undefined }[],
): { supergraphId: string; plans: { operationKey: string; queryHash: string; plan: string }[] } {
  const current = planningOf(supergraphSdl, undefined);
  // A supergraph with progressive overrides plans per draw: nothing to plan ahead.
  if (current.percentLabels.length > 0) return { supergraphId: current.supergraphId, plans: [] };
  const plans: { operationKey: string; queryHash: string; plan: string }[] = [];
  for (const { query, operationName } of operations) {
    try {
      const document = graphqlRuntime.parse(query);
      if (graphqlRuntime.validate(current.apiGraphQLSchema, document).length > 0) continue;
      const aliased = aliasRequiredArgumentConflicts(document, current.apiGraphQLSchema, current.requiredArguments);
      const operation = operationFromDocument(current.apiSchema, aliased?.document ?? document, { operationName });
      const plan = current.planner.buildQueryPlan(operation);
      const queryHash = createHash('sha256').update(query).digest('hex');
      plans.push({ operationKey: operationKeyOf(queryHash, operationName), queryHash, plan: serializePlan(plan) });
    } catch {
      // planned (and answered) at request time
    }
  }
  return { supergraphId: current.supergraphId, plans };
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
              incremental: incremental.map(({ path, label, errors, ...payload }) => ({
                ...('items' in payload ? { items: payload.items } : { data: payload.data }),
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
  planStore,
}: NativeGatewayOptions): NativeGateway {
  const inFlight = new Map<string, Promise<IncrementalExecutionResult>>();
  let planning: Planning | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    planning = planningOf(coreSupergraphSdl, apiSchema.extensions);
  });

  const compile = (
    current: Planning,
    requestContext: GatewayGraphQLRequestContext,
    operationContext: ReturnType<typeof buildOperationContext>,
    overrideConditions: Map<string, boolean> | undefined,
    incremental: boolean,
    streaming = false,
    /** A plan made elsewhere (the shared plans) for this operation and supergraph; else it is planned here. */
    stored?: QueryPlan,
    /** Given a plan made here (serialized), once the operation compiled (to share it). */
    planned?: (plan: string) => void,
  ): CompiledOperation | { errors: GraphQLError[] } => {
    const { request } = requestContext;
    // @stream is applied to the result (stream.ts): the planner plans the operation without it.
    const streamed = hasStream(requestContext.document);
    const violations = streamed ? streamRuleViolations(current.apiGraphQLSchema, operationContext.operation, operationContext.fragments) : undefined;
    if (violations) return { errors: violations };
    const streams = streaming ? streamFieldsOf(current.apiGraphQLSchema, operationContext.operation, operationContext.fragments) : [];
    const source = streamed ? withoutStream(requestContext.document) : requestContext.document;
    // A selection that would meet a @requires' field with other arguments gets an alias of its own.
    const aliased = aliasRequiredArgumentConflicts(source, current.apiGraphQLSchema, current.requiredArguments);
    const labelled = incremental ? labelDefers(aliased?.document ?? source) : undefined;
    const document = labelled?.document ?? aliased?.document ?? source;
    if (document !== requestContext.document)
      operationContext = buildOperationContext({ schema: current.apiGraphQLSchema, operationDocument: document, operationName: request.operationName });
    const made =
      stored ??
      executorTracer().startActiveSpan('gateway.plan', (span) => {
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
    // Serialized as the planner made it, before our rewrites: a reader applies them again.
    const madeText = !stored && planned ? serializePlan(made) : undefined;
    const separated = separateConflictingRequires(made, current.requiresWithArguments, current.supergraphSchema);
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
    if (madeText !== undefined) planned?.(madeText);
    return {
      plan,
      operation,
      shaper: compileResultShaper(operation, { ...(aliased ? { responseNames: aliased.responseNames } : {}) }),
      ...(incremental ? { primaryShaper: compileResultShaper(operation, { withoutDeferred: true, ...(aliased ? { responseNames: aliased.responseNames } : {}) }) } : {}),
      operationDefinition: operationContext.operation,
      // Error paths name the client's fields and the required fields, never the gateway's aliases.
      ...(aliased || separated.responseNames.size > 0 ? { responseNames: new Map([...(aliased?.responseNames ?? []), ...separated.responseNames]) } : {}),
      ...(labelled ? { generatedDeferLabels: labelled.generated } : {}),
      ...(streams.length > 0 ? { streams } : {}),
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
      const share = planStore ? (plan: string) => planStore.put(current.supergraphId, operationKeyOf(queryHash, operationName), plan) : undefined;
      const built = compile(current, requestContext, operationContext, undefined, false, false, undefined, share);
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
        const format = incrementalFormatOf(request.http?.headers.get('accept') ?? undefined);
        const accepts = format !== undefined;
        const incremental = accepts && hasDefer(requestContext.document);
        const streaming = accepts && hasStream(requestContext.document);
        const key = `${queryHash}\u0000${request.operationName ?? ''}\u0000${overrideKey}${incremental ? '\u0000defer' : ''}${streaming ? '\u0000stream' : ''}`;
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
          // Planned by another worker or replica, or by schema:publish ahead of this supergraph?
          const operationKey = planStore && queryHash ? operationKeyOf(queryHash, request.operationName ?? undefined, overrideKey, incremental) : undefined;
          const storedText = operationKey ? await planStore!.get(current.supergraphId, operationKey) : undefined;
          const stored = storedText === undefined ? undefined : deserializePlan(storedText);
          const share = operationKey ? (plan: string) => planStore!.put(current.supergraphId, operationKey, plan) : undefined;
          const built = compile(current, requestContext, operationContext!, overrideConditions, incremental, streaming, stored, share);
          if (!('plan' in built)) return built;
          compiled = built;
          remember(current, key, compiled);
        }
        const caller = callerOf(requestContext.context as Partial<GatewayContext>);
        const run = () => executeQueryPlan(compiled, request.variables, caller, fetcher, batchFetches && compiled.operation.rootKind === 'query');
        let execution: Promise<IncrementalExecutionResult>;
        if (dedup && !incremental && !streaming && compiled.operation.rootKind === 'query') {
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
        const executed = await execution;
        const { subsequent, streams, pending, ...result } = compiled.streams
          ? applyStreams(executed, compiled.streams, coercedVariables(current.apiGraphQLSchema, compiled.operationDefinition.variableDefinitions, request.variables))
          : executed;
        if (result.errors) span.setStatus({ code: SpanStatusCode.ERROR });
        if (subsequent) deferredParts.set(requestContext.context, { parts: subsequent, format: format ?? 'deferSpec=20220824', streams, pending });
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
  const deferredParts = new WeakMap<
    object,
    { parts: AsyncGenerator<SubsequentResult>; format: IncrementalFormat; streams: readonly CutStream[] | undefined; pending: readonly PendingFragment[] | undefined }
  >();
  const incrementalDelivery: ApolloServerPlugin<GatewayContext> = {
    requestDidStart: async () => ({
      willSendResponse: async ({ contextValue, response }) => {
        const deferred = deferredParts.get(contextValue);
        if (!deferred || response.body.kind !== 'single') return;
        deferredParts.delete(contextValue);
        const { parts, format, streams, pending } = deferred;
        if (format === 'incrementalSpec=v0.2') {
          const formatErrors = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
          response.body = { kind: 'incremental', ...toIncrementalSpecV02(response.body.singleResult, { streams, pending }, parts, formatErrors) };
          return;
        }
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
