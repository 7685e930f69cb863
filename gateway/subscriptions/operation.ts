// What a graphql-ws `subscribe` message asks for, checked against the gateway's API schema and, for
// a subscription, rewritten into the query the federated path can execute:
//
//   subscription S($id: ID!) { changed: orderStatusChanged(orderId: $id) { ...F status } }  fragment F on Order { … }
//   query        S($id: ID!) { changed: order(id: $id) { ...F status _gatewayStatus: status } }  fragment F on Order { … }
//
// Variables, aliases, directives and fragments are kept (only the fragments the operation uses). The
// extra `_gatewayStatus` field tells the gateway the order's status as fetched; it is removed before
// the client sees a result.
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { ErrorCode, echoed } from '../../common/errors.ts';
import { graphqlRuntime } from './graphql-runtime.ts';

const { GraphQLError: RuntimeGraphQLError, Kind, OperationTypeNode, getArgumentValues, getOperationAST, getVariableValues, parse, print, validate } = graphqlRuntime;

/** The one subscription root field the gateway serves, and the query field it reads the order with. */
export const ORDER_STATUS_CHANGED = 'orderStatusChanged';
const ORDER_QUERY_FIELD = 'order';

export interface OperationRequest {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Record<string, unknown> | null | undefined;
}

/** A query or mutation (the WebSocket refuses them: they belong on HTTP). */
export interface PreparedExecution {
  readonly kind: 'execution';
  readonly document: DocumentNode;
  readonly request: FederatedRequest;
}

/** `orderStatusChanged`, ready to be executed as a query once at subscribe time and once per event. */
export interface PreparedOrderSubscription {
  readonly kind: 'orderStatusChanged';
  /** The client's document (graphql-ws wants it back). */
  readonly document: DocumentNode;
  /** The rewritten query, printed. */
  readonly request: FederatedRequest;
  /** Lower-cased, as events carry it. */
  readonly orderId: string;
  /** The root field's response key in the client's operation (its alias, or `orderStatusChanged`). */
  readonly rootKey: string;
  /** Response keys of the order's `status` field in the client's selection (aliases included). */
  readonly statusKeys: readonly string[];
  /** The response key of the gateway's own `status` selection. */
  readonly hiddenStatusKey: string;
}

export interface FederatedRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown> | undefined;
}

export type PreparedOperation = PreparedExecution | PreparedOrderSubscription;

const failed = (code: string, error: GraphQLError | string): GraphQLError =>
  typeof error === 'string'
    ? new RuntimeGraphQLError(error, { extensions: { code } })
    : new RuntimeGraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: { ...error.extensions, code } });

/** What does not depend on the variables: parsed, validated and rewritten once per operation text. */
type Compiled =
  | readonly GraphQLError[]
  | { readonly kind: 'execution'; readonly document: DocumentNode }
  | {
      readonly kind: 'subscription';
      readonly document: DocumentNode;
      readonly operation: OperationDefinitionNode;
      readonly root: FieldNode;
      readonly query: string;
      readonly rootKey: string;
      readonly statusKeys: readonly string[];
      readonly hiddenStatusKey: string;
    };

// Subscribers of one app send the same text: parsing and validating it (twice: the rewrite too) is
// most of the work of a subscribe, so it is done once per text and schema.
const COMPILED_PER_SCHEMA = 500;
const CACHEABLE_QUERY_LENGTH = 20_000;
const compiledBySchema = new WeakMap<GraphQLSchema, Map<string, Compiled>>();

function compiled(schema: GraphQLSchema, query: string, operationName: string | undefined): Compiled {
  if (query.length > CACHEABLE_QUERY_LENGTH) return compile(schema, query, operationName);
  let cache = compiledBySchema.get(schema);
  if (!cache) {
    cache = new Map();
    compiledBySchema.set(schema, cache);
  }
  const key = `${operationName ?? ''}\n${query}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = compile(schema, query, operationName);
    if (cache.size >= COMPILED_PER_SCHEMA) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
  }
  return entry;
}

/** Parses and validates `request` against `schema`; a subscription also gets its query. Errors are what the client gets. */
export function prepareOperation(schema: GraphQLSchema, request: OperationRequest): PreparedOperation | GraphQLError[] {
  if (typeof request.query !== 'string' || request.query.trim() === '') return [failed(ErrorCode.badRequest, 'The operation has no query.')];
  const operationName = request.operationName ?? undefined;
  const variables = request.variables ?? undefined;
  const compiledOperation = compiled(schema, request.query, operationName);
  if (isErrors(compiledOperation)) return [...compiledOperation];
  if (compiledOperation.kind === 'execution') {
    return { kind: 'execution', document: compiledOperation.document, request: { query: request.query, operationName, variables } };
  }

  const { operation, root } = compiledOperation;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return coerced.errors.map((error) => failed(ErrorCode.badUserInput, error));
  const fieldDef = schema.getSubscriptionType()?.getFields()[ORDER_STATUS_CHANGED];
  if (!fieldDef) return [failed(ErrorCode.badRequest, `This gateway's schema has no Subscription.${ORDER_STATUS_CHANGED}.`)];
  const orderId = getArgumentValues(fieldDef, root, coerced.coerced)['orderId'];
  if (typeof orderId !== 'string') return [failed(ErrorCode.badUserInput, 'orderId is required.')];
  return {
    kind: 'orderStatusChanged',
    document: compiledOperation.document,
    request: { query: compiledOperation.query, operationName, variables },
    orderId: orderId.toLowerCase(),
    rootKey: compiledOperation.rootKey,
    statusKeys: compiledOperation.statusKeys,
    hiddenStatusKey: compiledOperation.hiddenStatusKey,
  };
}

const isErrors = (value: Compiled): value is readonly GraphQLError[] => Array.isArray(value);

function compile(schema: GraphQLSchema, text: string, operationName: string | undefined): Compiled {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (error) {
    return [failed('GRAPHQL_PARSE_FAILED', error instanceof RuntimeGraphQLError ? error : String(error))];
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return invalid.map((error) => failed('GRAPHQL_VALIDATION_FAILED', error));
  const operation = getOperationAST(document, operationName);
  if (!operation) return [failed(ErrorCode.badRequest, operationName ? `Unknown operation named "${echoed(operationName)}".` : 'Name the operation to run.')];
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return { kind: 'execution', document };

  const [root, ...more] = operation.selectionSet.selections;
  if (!root || more.length > 0 || root.kind !== Kind.FIELD || root.name.value !== ORDER_STATUS_CHANGED || !root.selectionSet) {
    return [failed(ErrorCode.badRequest, `Select ${ORDER_STATUS_CHANGED} directly at the root of the subscription.`)];
  }
  const fragments = new Map(
    document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const { responseKeys, statusKeys } = rootResponseKeys(root.selectionSet, fragments);
  let hiddenStatusKey = '_gatewayStatus';
  for (let n = 2; responseKeys.has(hiddenStatusKey); n += 1) hiddenStatusKey = `_gatewayStatus${n}`;
  const rootKey = root.alias?.value ?? root.name.value;

  const rewrittenRoot: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: rootKey },
    name: { kind: Kind.NAME, value: ORDER_QUERY_FIELD },
    arguments: (root.arguments ?? []).map((argument) =>
      argument.name.value === 'orderId' ? { ...argument, name: { kind: Kind.NAME, value: 'id' } } : argument,
    ),
    selectionSet: {
      ...root.selectionSet,
      selections: [
        ...root.selectionSet.selections,
        { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: hiddenStatusKey }, name: { kind: Kind.NAME, value: 'status' } },
      ],
    },
  };
  const rewritten: OperationDefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    selectionSet: { ...operation.selectionSet, selections: [rewrittenRoot] },
  };
  const query: DocumentNode = { kind: Kind.DOCUMENT, definitions: [rewritten, ...usedFragments(operation.selectionSet, fragments)] };
  // The original was valid; so must the rewrite be (if not, the schema's Query.order no longer fits).
  const rewriteErrors = validate(schema, query);
  if (rewriteErrors.length > 0) {
    return [failed(ErrorCode.internal, `The subscription cannot be served as a query: ${rewriteErrors.map((error) => error.message).join('; ')}`)];
  }
  return { kind: 'subscription', document, operation, root, query: print(query), rootKey, statusKeys: [...statusKeys], hiddenStatusKey };
}

/** Every response key directly on the order (through fragments), and which of them are its `status`. */
function rootResponseKeys(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>) {
  const responseKeys = new Set<string>();
  const statusKeys = new Set<string>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        responseKeys.add(key);
        if (selection.name.value === 'status') statusKeys.add(key);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !visited.has(fragment.name.value)) {
          visited.add(fragment.name.value);
          walk(fragment.selectionSet);
        }
      }
    }
  };
  walk(selectionSet);
  return { responseKeys, statusKeys };
}

/** The fragments `selectionSet` spreads, directly or through other fragments (others would fail validation). */
function usedFragments(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          walk(fragment.selectionSet);
        }
      } else if (selection.selectionSet) {
        walk(selection.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return [...used.values()];
}
