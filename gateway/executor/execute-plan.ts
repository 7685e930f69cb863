// Executes a query plan of @apollo/query-planner: the semantics of @apollo/gateway's
// executeQueryPlan (fetch order, entity representations, merging, error paths and extensions,
// value completion), so both executors answer byte for byte alike, without the per-request work
// that does not depend on the request: the operation, the plan and the result shaper come
// compiled from the plan cache, and representation builders are compiled once per fetch node.
import { ERRORS, assert, errorCodeDef, type Operation } from '@apollo/federation-internals';
import { evaluateCondition, type DeferredNode, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  Kind,
  OperationTypeNode,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { GraphQLError: GraphQLErrorClass, executeSync, visit } = graphqlRuntime;
import type { SubgraphCaller, SubgraphFetcher, SubgraphResponse } from '../fetch/fetch-types.ts';
import { contextValuesOf, entitiesWithAncestors, groupByContext, mergeGroupAnswers } from './context-rewrites.ts';
import { applyRewrites, moveKey } from './data-rewrites.ts';
import { deepMerge, type ResultObject } from './deep-merge.ts';
import { representationBuilderOf } from './representations.ts';
import type { SplitFetchNode } from './requires-conflicts.ts';
import { uniqueRepresentations, type UniqueRepresentations } from './unique-representations.ts';
import type { ResultShaper } from './result-shaper.ts';

// Looked up per span, not kept: a tracer kept from a provider that was shut down (tracing started again in
// the same process, as test files sharing a worker do) would record nothing.
export const executorTracer = () => trace.getTracer('commerce-supergraph/executor');

type Variables = Record<string, unknown>;
type ResponsePath = (string | number)[];

/** Everything about one operation that does not depend on the request. */
export interface CompiledOperation {
  readonly plan: QueryPlan;
  /** The operation as the shaper and conditions see it (built like @apollo/gateway does, unvalidated). */
  readonly operation: Operation;
  readonly shaper: ResultShaper;
  /** With an incremental delivery plan: the shaper of the primary response (deferred fragments left out). */
  readonly primaryShaper?: ResultShaper;
  readonly operationDefinition: OperationDefinitionNode;
  /**
   * Aliases the gateway gave -> the names the client sees: before planning, the client's response
   * names (requires-arguments.ts); after, a required field's name (requires-conflicts.ts).
   */
  readonly responseNames?: ReadonlyMap<string, string>;
  /** Labels the gateway gave to @defer fragments without one (never sent to the client). */
  readonly generatedDeferLabels?: ReadonlySet<string>;
  /** The @stream fields applied to the result (stream.ts): only for a client that accepts incremental delivery. */
  readonly streams?: readonly StreamField[];
  readonly apiSchema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
}

export interface ExecutionResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLError[];
  extensions?: Record<string, unknown>;
}

/** One deferred fragment's data at one place of the response (a fragment inside a list: one per element). */
export interface DeferredPayload {
  readonly data: Record<string, unknown> | null;
  readonly path: ResponsePath;
  /** The client's label (none when the client gave none). */
  readonly label?: string;
  readonly errors?: GraphQLError[];
}

/** One @stream of the operation (stream.ts applies it): the response names from the root to the list (lists on the way are walked through). */
export interface StreamField {
  readonly path: readonly string[];
  readonly directive: DirectiveNode;
}

/** One streamed list's items after the initial ones, at the index of the first. */
export interface StreamPayload {
  readonly items: unknown[];
  readonly path: ResponsePath;
  readonly label?: string;
  readonly errors?: GraphQLError[];
}

/** A place where a deferred fragment's data will come (incrementalSpec=v0.2 announces it as `pending`). */
export interface PendingFragment {
  /** The deferred fragment (one per Defer node reached), as SubsequentResult.fragment names it. */
  readonly fragment: number;
  readonly path: ResponsePath;
  readonly label?: string;
}

/** What one deferred fragment brings once its fetches are done; the last has hasNext false. */
export interface SubsequentResult {
  readonly incremental: (DeferredPayload | StreamPayload)[];
  readonly hasNext: boolean;
  /** The deferred fragment this part completes (none for a part of streamed items). */
  readonly fragment?: number;
  /** The places of the fragments deferred inside this one. */
  readonly pending?: PendingFragment[];
}

/** With deferred parts: the primary response, then each deferred fragment as soon as it is done. */
export interface IncrementalExecutionResult extends ExecutionResult {
  readonly subsequent?: AsyncGenerator<SubsequentResult>;
  /** The deferred fragments' places in the primary response. */
  readonly pending?: PendingFragment[];
  /** The streamed lists cut (their items follow in `subsequent`): each items payload's path and label, in order. */
  readonly streams?: readonly Pick<StreamPayload, 'path' | 'label'>[];
}

interface Cursor {
  readonly path: ResponsePath;
  readonly data: unknown;
  readonly fullResult: ResultObject;
}

interface RunState {
  readonly compiled: CompiledOperation;
  readonly variables: Variables | undefined;
  readonly caller: SubgraphCaller;
  readonly fetcher: SubgraphFetcher;
  /** Fetches to one subgraph ready at the same moment may go as one request (GATEWAY_BATCH_FETCHES). */
  readonly batch: boolean;
  /** Errors of the phase running (the primary part, then the deferred parts). */
  errors: GraphQLError[];
  /**
   * With batching: each error's fetch, numbered in the order the fetches were sent. A batch's
   * answers all arrive at once, where alone they would have arrived one by one among the others;
   * errors go in the order of their fetches' sending (the order answers arrive at subgraphs as
   * quick as each other), not in the order of the answers.
   */
  readonly errorOrder: number[];
  readonly sent: { count: number };
  /** Deferred parts waiting for the part that holds them (only with an incremental delivery plan). */
  readonly deferred: Deferred[];
}

interface Deferred {
  readonly node: DeferredNode;
  readonly cursor: Cursor;
}

function recordErrors(span: Span, errors: readonly unknown[]): void {
  for (const error of errors) span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

export function executeQueryPlan(
  compiled: CompiledOperation,
  variables: Variables | undefined,
  caller: SubgraphCaller,
  fetcher: SubgraphFetcher,
  batch = false,
): Promise<IncrementalExecutionResult> {
  return executorTracer().startActiveSpan('gateway.execute', async (span) => {
    try {
      const state: RunState = { compiled, variables, caller, fetcher, batch, errors: [], errorOrder: [], sent: { count: 0 }, deferred: [] };
      const unfilteredData = Object.create(null) as ResultObject;
      const node = compiled.plan.node;
      if (node?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
      if (node) await executeNode(state, node, { path: [], data: unfilteredData, fullResult: unfilteredData });
      if (state.deferred.length > 0 && compiled.primaryShaper) {
        const primary = postProcess(state, unfilteredData, compiled.primaryShaper);
        if (primary.errors) recordErrors(span, primary.errors);
        const { parts, pending } = streamDeferred(state, unfilteredData, compiled.primaryShaper, primary.data);
        return { ...primary, subsequent: parts, pending };
      }
      const result = postProcess(state, unfilteredData, compiled.shaper);
      if (result.errors) recordErrors(span, result.errors);
      return result;
    } catch (error) {
      recordErrors(span, [error]);
      throw error;
    } finally {
      span.end();
    }
  });
}

// Deferred parts start once the part holding them is done (the primary part first: their
// dependencies are then met), all at once and right away, and each is sent as soon as its own
// fetches are done, with its own errors; a deferred part's own @defer fragments start behind it.
function streamDeferred(
  state: RunState,
  unfilteredData: ResultObject,
  shaper: ResultShaper,
  primaryData: ExecutionResult['data'],
): { parts: AsyncGenerator<SubsequentResult>; pending: PendingFragment[] } {
  const released = new Set<string>();
  const running = new Map<number, Promise<{ id: number; deferred: Deferred; partState: RunState }>>();
  let nextId = 0;
  const start = (deferred: Deferred, data: ExecutionResult['data'], pending: PendingFragment[]) => {
    const id = nextId++;
    pending.push(...placesOf(state.compiled, deferred.node, data).map((path) => ({ fragment: id, path, ...clientLabel(state.compiled, deferred.node) })));
    const partState: RunState = { ...state, errors: [], errorOrder: [], deferred: [] };
    const done = (deferred.node.node ? executeNode(partState, deferred.node.node, deferred.cursor) : Promise.resolve()).then(() => ({ id, deferred, partState }));
    // Handled where the parts are read; a client gone before then must not make it unhandled.
    done.catch(() => undefined);
    running.set(id, done);
  };
  const pending: PendingFragment[] = [];
  for (const deferred of state.deferred.splice(0)) start(deferred, primaryData, pending);
  const parts = (async function* parts() {
    while (running.size > 0) {
      const { id, deferred, partState } = await Promise.race(running.values());
      running.delete(id);
      const label = deferred.node.label;
      if (label !== undefined) released.add(label);
      const shaped = postProcess(partState, unfilteredData, shaper, released);
      // A fragment deferred inside this one is pending from this part on (its places are in this part's data).
      const nestedPending: PendingFragment[] = [];
      for (const nested of partState.deferred.splice(0)) start(nested, shaped.data, nestedPending);
      yield {
        incremental: payloadsOf(state.compiled, deferred.node, shaped.data, shaped.errors ?? []),
        hasNext: running.size > 0,
        fragment: id,
        ...(nestedPending.length > 0 ? { pending: nestedPending } : {}),
      };
    }
  })();
  return { parts, pending };
}

const clientLabel = (compiled: CompiledOperation, node: DeferredNode) => (node.label !== undefined && !compiled.generatedDeferLabels?.has(node.label) ? { label: node.label } : {});

// The places a deferred fragment's query path reaches in the response (per list element), type
// conditions not checked: a place the fragment's type condition does not meet completes with no data.
function placesOf(compiled: CompiledOperation, node: DeferredNode, data: ExecutionResult['data']): ResponsePath[] {
  const places: ResponsePath[] = [];
  const walk = (value: unknown, path: ResponsePath, index: number) => {
    if (value === null || value === undefined || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((element: unknown, position) => walk(element, [...path, position], index));
      return;
    }
    const element = node.queryPath[index];
    if (element === undefined) places.push(path);
    else if (element.startsWith('...')) walk(value, path, index + 1);
    else {
      const responseName = compiled.responseNames?.get(element) ?? element;
      walk((value as ResultObject)[responseName], [...path, responseName], index + 1);
    }
  };
  walk(data, [], 0);
  return places;
}

// The deferred fragment's fields at each place its query path reaches in the response (a list
// gives one place per element); the errors of its fetches go with its first payload.
function payloadsOf(compiled: CompiledOperation, node: DeferredNode, data: ExecutionResult['data'], errors: readonly GraphQLError[]): DeferredPayload[] {
  const clientName = (name: string) => compiled.responseNames?.get(name) ?? name;
  const keys = deferredKeysOf(node)?.map(clientName);
  const label = node.label !== undefined && !compiled.generatedDeferLabels?.has(node.label) ? { label: node.label } : {};
  const payloads: DeferredPayload[] = [];
  const walk = (value: unknown, path: ResponsePath, index: number) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((element: unknown, position) => walk(element, [...path, position], index));
      return;
    }
    const object = value as ResultObject;
    const element = node.queryPath[index];
    if (element === undefined) {
      const fields = Object.create(null) as ResultObject;
      let found = false;
      for (const key of keys ?? Object.keys(object)) {
        if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
        fields[key] = object[key];
        found = true;
      }
      // A place whose type the fragment's type condition does not meet (another member of a union) gets nothing.
      if (found) payloads.push({ data: fields, path, ...label });
    } else if (element.startsWith('...')) {
      walk(object, path, index + 1);
    } else {
      const responseName = clientName(element);
      walk(object[responseName], [...path, responseName], index + 1);
    }
  };
  walk(data, [], 0);
  if (errors.length > 0) {
    const first = payloads[0];
    if (first) payloads[0] = { ...first, errors: [...errors] };
    else payloads.push({ data: null, path: [], ...label, errors: [...errors] });
  }
  return payloads;
}

const deferredKeys = new WeakMap<DeferredNode, string[] | undefined>();
/** The response names at the top of a deferred fragment's selection (undefined: not known, take all). */
function deferredKeysOf(node: DeferredNode): string[] | undefined {
  if (deferredKeys.has(node)) return deferredKeys.get(node);
  let keys: string[] | undefined;
  // A fragment with deferred fragments of its own has its selection as its Defer node's primary one.
  const subselection = node.subselection ?? (node.node?.kind === 'Defer' ? node.node.primary.subselection : undefined);
  try {
    if (subselection) {
      const definition = graphqlRuntime.parse(subselection).definitions[0];
      if (definition?.kind === Kind.OPERATION_DEFINITION) {
        keys = [];
        const collect = (selections: readonly SelectionNode[]) => {
          for (const selection of selections) {
            if (selection.kind === Kind.FIELD) keys!.push(selection.alias?.value ?? selection.name.value);
            else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet.selections);
          }
        };
        collect(definition.selectionSet.selections);
      }
    }
  } catch {
    keys = undefined;
  }
  deferredKeys.set(node, keys);
  return keys;
}

function postProcess(state: RunState, unfilteredData: ResultObject, shaper: ResultShaper, released?: ReadonlySet<string>): ExecutionResult {
  return executorTracer().startActiveSpan('gateway.postprocessing', (span) => {
    const { compiled } = state;
    const errors = state.batch ? inSendingOrder(state) : state.errors;
    let data: Record<string, unknown> | null;
    try {
      const shaped = shaper.shape(
        unfilteredData,
        state.variables,
        (selection, variables) => executeIntrospection(compiled.apiSchema, selection, compiled.operationDefinition.variableDefinitions, variables),
        released,
      );
      data = shaped.data;
      if (errors.length === 0 && shaped.errors.length > 0) {
        recordErrors(span, shaped.errors);
        return { extensions: { valueCompletion: shaped.errors }, data };
      }
    } catch (error) {
      recordErrors(span, [error]);
      if (error instanceof GraphQLErrorClass) return { errors: [error] };
      if (error instanceof Error) return { errors: [new GraphQLErrorClass(error.message, { originalError: error })] };
      return { errors: [new GraphQLErrorClass('Unexpected error during query plan execution')] };
    } finally {
      span.end();
    }
    return errors.length === 0 ? { data } : { errors, data };
  });
}

async function executeNode(state: RunState, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(state, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(state, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(state, node.node, moveIntoCursor(cursor, node.path));
    case 'Fetch': {
      const order = state.sent.count++;
      try {
        await executeFetch(state, node, cursor, order);
      } catch (error) {
        pushError(state, error as GraphQLError, order);
      }
      return;
    }
    case 'Condition': {
      const condition = evaluateCondition(node, state.compiled.operation.variableDefinitions, state.variables);
      const branch = condition ? node.ifClause : node.elseClause;
      if (branch) await executeNode(state, branch, cursor);
      return;
    }
    case 'Defer':
      // Only an incremental delivery plan has these (planned for a client that accepts multipart).
      assert(state.compiled.primaryShaper, '@defer support is not available in the gateway');
      if (node.primary.node) await executeNode(state, node.primary.node, cursor);
      for (const deferred of node.deferred) state.deferred.push({ node: deferred, cursor });
      return;
  }
}

function pushError(state: RunState, error: GraphQLError, order: number): void {
  state.errors.push(error);
  if (state.batch) state.errorOrder.push(order);
}

function inSendingOrder(state: RunState): GraphQLError[] {
  const { errors, errorOrder } = state;
  if (errorOrder.every((order, index) => index === 0 || (errorOrder[index - 1] as number) <= order)) return errors;
  // A stable sort: one fetch's errors keep their own order.
  return errors
    .map((error, index) => ({ error, order: errorOrder[index] as number }))
    .sort((a, b) => a.order - b.order)
    .map(({ error }) => error);
}

function executeFetch(state: RunState, fetch: FetchNode, cursor: Cursor, order: number): Promise<void> {
  return executorTracer().startActiveSpan('gateway.fetch', { attributes: { service: fetch.serviceName } }, async (span) => {
    try {
      if (!state.fetcher.has(fetch.serviceName)) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
      const entities: ResultObject[] = Array.isArray(cursor.data)
        ? (cursor.data as unknown[]).filter((entity): entity is ResultObject => entity !== null && entity !== undefined)
        : [cursor.data as ResultObject];
      if (entities.length < 1) return;
      const variables = Object.create(null) as Variables;
      if (fetch.variableUsages) {
        const provided = state.variables;
        for (const name of fetch.variableUsages) {
          if (provided && Object.prototype.hasOwnProperty.call(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
        }
      }
      const schema = state.compiled.supergraphSchema;
      if (!fetch.requires) {
        const received = await sendOperation(state, fetch, cursor, order, variables);
        if (received) applyRewrites(schema, fetch.outputRewrites, received);
        for (const entity of entities) deepMerge(entity, received);
        return;
      }
      const buildRepresentation = representationBuilderOf(fetch, schema);
      const renames = (fetch as SplitFetchNode).requiresRenames;
      const representations: ResultObject[] = [];
      const representationToEntity: number[] = [];
      entities.forEach((entity, index) => {
        const representation = buildRepresentation(entity);
        if (representation && representation['__typename']) {
          applyRewrites(schema, fetch.inputRewrites, representation);
          // A required field fetched under an alias (requires-conflicts.ts) goes under its own name.
          if (renames) for (const { path, renameKeyTo } of renames) moveKey(schema, path, renameKeyTo, representation);
          representations.push(representation);
          representationToEntity.push(index);
        }
      });
      if (representations.length < 1) return;
      if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
      const received = fetch.contextRewrites?.length
        ? await sendInContext(state, fetch, cursor, order, variables, representations, representationToEntity)
        : await sendOperation(state, fetch, cursor, order, variables, representations);
      if (!received) return;
      const receivedEntities = received['_entities'];
      if (!(receivedEntities && Array.isArray(receivedEntities))) throw new Error(`Expected "data._entities" in response to be an array`);
      if (receivedEntities.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
      // As @apollo/gateway does, up to the number of entities (beyond the representations, nothing happens).
      for (let index = 0; index < entities.length; index++) {
        const receivedEntity = receivedEntities[index] as ResultObject | null | undefined;
        const existingEntity = entities[representationToEntity[index] as number];
        if (receivedEntity && !receivedEntity['__typename']) receivedEntity['__typename'] = existingEntity?.['__typename'];
        applyRewrites(schema, fetch.outputRewrites, receivedEntity);
        deepMerge(existingEntity, receivedEntity);
      }
    } catch (error) {
      recordErrors(span, [error]);
      throw error;
    } finally {
      span.end();
    }
  });
}

const send = (state: RunState, fetch: FetchNode, variables: Variables): Promise<SubgraphResponse> =>
  state.fetcher.send(
    fetch.serviceName,
    { query: fetch.operation, operationName: fetch.operationName, variables },
    state.caller,
    state.batch && fetch.operationKind === OperationTypeNode.QUERY,
  );

/** Sends the fetch (each distinct representation once, when it has representations) and reports its errors. */
async function sendOperation(
  state: RunState,
  fetch: FetchNode,
  cursor: Cursor,
  order: number,
  variables: Variables,
  representations?: ResultObject[],
): Promise<ResultObject | null | undefined> {
  if (!representations) return report(state, fetch, cursor, order, await send(state, fetch, variables));
  const deduplicated: UniqueRepresentations | undefined = uniqueRepresentations(representations);
  const sent = await send(state, fetch, { ...variables, representations: deduplicated?.unique ?? representations });
  return report(state, fetch, cursor, order, deduplicated ? deduplicated.expand(sent) : sent);
}

/** A fetch with contextual arguments (context-rewrites.ts): one fetch per group of entities that see the same values. */
async function sendInContext(
  state: RunState,
  fetch: FetchNode,
  cursor: Cursor,
  order: number,
  variables: Variables,
  representations: ResultObject[],
  representationToEntity: readonly number[],
): Promise<ResultObject | null | undefined> {
  const schema = state.compiled.supergraphSchema;
  const placed = entitiesWithAncestors(cursor.fullResult, cursor.path);
  const rewrites = fetch.contextRewrites ?? [];
  const valuesOf = representationToEntity.map((at) => {
    const place = placed[at];
    return place ? contextValuesOf(schema, rewrites, place.entity, place.ancestors) : {};
  });
  const groups = groupByContext(valuesOf);
  if (groups.length === 1) return sendOperation(state, fetch, cursor, order, { ...variables, ...groups[0]!.values }, representations);
  const answers = await Promise.all(
    groups.map((group) => send(state, fetch, { ...variables, ...group.values, representations: group.members.map((at) => representations[at] as ResultObject) })),
  );
  return report(state, fetch, cursor, order, mergeGroupAnswers(groups, answers, representations.length));
}

function report(state: RunState, fetch: FetchNode, cursor: Cursor, order: number, response: SubgraphResponse): ResultObject | null | undefined {
  if (response.errors) {
    const pathOf = lazyErrorPathGenerator(fetch, cursor);
    const names = state.compiled.responseNames;
    const errorPath: typeof pathOf = names ? (path) => pathOf(path)?.map((element) => (typeof element === 'string' ? (names.get(element) ?? element) : element)) : pathOf;
    for (const error of response.errors) pushError(state, downstreamServiceError(error, fetch.serviceName, errorPath), order);
  }
  return response.data as ResultObject | null | undefined;
}

function lazyErrorPathGenerator(fetch: FetchNode, cursor: Cursor): (path: GraphQLFormattedError['path']) => ResponsePath | undefined {
  let hydratedPaths: ResponsePath[] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydratedPaths) {
        hydratedPaths = [];
        generateHydratedPaths([], cursor.path, cursor.fullResult, hydratedPaths);
      }
      const hydratedPath = hydratedPaths[errorPath[1]] ?? [];
      return [...hydratedPath, ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
  };
}

function generateHydratedPaths(parent: ResponsePath, path: ResponsePath, data: unknown, result: ResponsePath[]): void {
  const head = path[0];
  if (data == null) return;
  if (head == null) {
    result.push(parent.slice());
  } else if (head === '@') {
    assert(Array.isArray(data), 'expected array when encountering `@`');
    (data as unknown[]).forEach((value, index) => {
      parent.push(index);
      generateHydratedPaths(parent, path.slice(1), value, result);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value: unknown, index) => {
        parent.push(index);
        generateHydratedPaths(parent, path, value, result);
        parent.pop();
      });
    } else if (Object.prototype.hasOwnProperty.call(data, head)) {
      parent.push(head);
      generateHydratedPaths(parent, path.slice(1), (data as ResultObject)[head], result);
      parent.pop();
    }
  } else {
    assert(false, `unknown path part "${head}"`);
  }
}

function moveIntoCursor(cursor: Cursor, pathInCursor: ResponsePath): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, pathInCursor);
  return data ? { path: cursor.path.concat(pathInCursor), data, fullResult: cursor.fullResult } : undefined;
}

// @apollo/gateway's flattenResultsAtPath, walking the path by index instead of copying its rest at every step.
function flattenResultsAtPath(value: unknown, path: ResponsePath, from = 0): unknown {
  let current = value;
  for (let index = from; index < path.length; index++) {
    if (current === undefined || current === null) return current;
    const key = path[index];
    if (key === '@') {
      const flattened: unknown[] = [];
      for (const element of current as unknown[]) {
        const inner = flattenResultsAtPath(element, path, index + 1);
        if (Array.isArray(inner)) for (const item of inner) flattened.push(item);
        else flattened.push(inner);
      }
      return flattened;
    }
    assert(typeof key === 'string', () => `Unexpected ${typeof key} found in path`);
    assert(!Array.isArray(current), () => `Unexpected array in result for path element ${key}`);
    const object = current as ResultObject;
    current = Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  }
  return current;
}

function downstreamServiceError(original: GraphQLFormattedError, serviceName: string, errorPath: (path: GraphQLFormattedError['path']) => ResponsePath | undefined): GraphQLError {
  let { message } = original;
  const { extensions } = original;
  if (!message) message = `Error while fetching subquery from service "${serviceName}"`;
  const options = {
    // @apollo/gateway passes the subgraph's error object as it came; so do we (same error, same masking).
    originalError: original as unknown as Error,
    path: errorPath(original.path),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original as unknown as GraphQLError);
  if (!codeDef && extensions?.['code']) return new GraphQLErrorClass(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

function usedVariablesOf(node: SelectionNode): Set<string> {
  const used = new Set<string>();
  visit(node, { Variable: ({ name }) => void used.add(name.value) });
  return used;
}

function executeIntrospection(
  schema: GraphQLSchema,
  selection: SelectionNode,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
  variableValues: Variables | undefined,
): unknown {
  const used = usedVariablesOf(selection);
  const usedDefinitions = variableDefinitions?.filter((definition) => used.has(definition.variable.name.value));
  assert(used.size === (usedDefinitions?.length ?? 0), () => `Should have found all used variables ${[...used].join(',')} in definitions ${JSON.stringify(variableDefinitions)}`);
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        ...(usedDefinitions ? { variableDefinitions: usedDefinitions } : {}),
        selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] },
      },
    ],
  };
  const { data, errors } = executeSync({ schema, document, rootValue: {}, ...(variableValues ? { variableValues } : {}) });
  assert(!errors || errors.length === 0, () => `Introspection query for ${JSON.stringify(selection)} should not have failed but got ${JSON.stringify(errors)}`);
  assert(data, () => `Introspection query for ${JSON.stringify(selection)} should not have failed`);
  assert(selection.kind === Kind.FIELD, 'an introspection selection is a field');
  const key = selection.alias?.value ?? selection.name.value;
  return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
}
