// What a subscribe asks for, checked against the gateway's API schema and, for an `@event`
// subscription field, rewritten into the query the federated path executes for each event, as the
// subscriber. For a field declared `@event(query: "entity", queryArg: "id", state: "status", ...)`:
//
//   subscription S($id: ID!) { changed: watched(key: $id) { ...F status } }              fragment F on T { … }
//   query        S($_gatewayKey: ID!) { changed: entity(id: $_gatewayKey) { ...F status _gatewayState: status } }  fragment F on T { … }
//
// The subscription's own arguments only say which events match; the entity's id comes with each
// event (`$_gatewayKey`). Aliases, directives, the client's other variables and the fragments the
// operation uses are kept. The extra state field (only when the field declares a `state`) tells the
// gateway the entity's state as read; it is removed before the client sees a result.
import { hasStream, streamRuleViolations } from '../executor/stream.ts';
import type { DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, VariableDefinitionNode } from 'graphql';
import { ErrorCode, echoed } from '../../common/errors.ts';
import type { EventField, EventFields } from './event-fields.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';

const {
  GraphQLError: RuntimeGraphQLError,
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  parse,
  parseType,
  print,
  validate,
  visit,
} = graphqlRuntime;

export interface OperationRequest {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Record<string, unknown> | null | undefined;
}

/** What the gateway serves: its API schema and the `@event` fields of the same supergraph. */
export interface ServingSchema {
  readonly api: GraphQLSchema;
  readonly eventFields: EventFields;
}

/** A query or mutation (subscription transports refuse them: they belong on plain HTTP). */
export interface PreparedExecution {
  readonly kind: 'execution';
  readonly document: DocumentNode;
  readonly request: FederatedRequest;
}

/** An `@event` subscription, ready to be executed as a query per event (and at subscribe time when it watches one entity). */
export interface PreparedSubscription {
  readonly kind: 'subscription';
  readonly field: EventField;
  /** The client's document (graphql-ws wants it back). */
  readonly document: DocumentNode;
  /** The rewritten query and the client's variables; the entity's id goes in `keyVariable`. */
  readonly request: FederatedRequest;
  readonly keyVariable: string;
  /** `matchArgument` fields: the argument's value (the entity's id), as given. */
  readonly argumentValue: string | undefined;
  /** The root field's response key in the client's operation (its alias, or the field name). */
  readonly rootKey: string;
  /** Response keys of the entity's state field in the client's selection (aliases included). */
  readonly stateKeys: readonly string[];
  /** The response key of the gateway's own state selection (when the field declares a state). */
  readonly hiddenStateKey: string | undefined;
}

export interface FederatedRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown> | undefined;
}

export type PreparedOperation = PreparedExecution | PreparedSubscription;

const failed = (code: ErrorCode, error: GraphQLError | string): GraphQLError =>
  typeof error === 'string'
    ? new RuntimeGraphQLError(error, { extensions: { code } })
    : new RuntimeGraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: { ...error.extensions, code } });

/** What does not depend on the variables: parsed, validated and rewritten once per operation text. */
type Compiled =
  | readonly GraphQLError[]
  | { readonly kind: 'execution'; readonly document: DocumentNode }
  | {
      readonly kind: 'subscription';
      readonly field: EventField;
      readonly document: DocumentNode;
      readonly operation: OperationDefinitionNode;
      readonly root: FieldNode;
      readonly query: string;
      readonly keyVariable: string;
      readonly rootKey: string;
      readonly stateKeys: readonly string[];
      readonly hiddenStateKey: string | undefined;
    };

// Subscribers of one app send the same text: parsing and validating it (twice: the rewrite too) is
// most of the work of a subscribe, so it is done once per text and schema.
const COMPILED_PER_SCHEMA = 500;
const CACHEABLE_QUERY_LENGTH = 20_000;
const compiledBySchema = new WeakMap<GraphQLSchema, Map<string, Compiled>>();

function compiled(schema: ServingSchema, query: string, operationName: string | undefined): Compiled {
  if (query.length > CACHEABLE_QUERY_LENGTH) return compile(schema, query, operationName);
  let cache = compiledBySchema.get(schema.api);
  if (!cache) {
    cache = new Map();
    compiledBySchema.set(schema.api, cache);
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
export function prepareOperation(schema: ServingSchema, request: OperationRequest): PreparedOperation | GraphQLError[] {
  if (typeof request.query !== 'string' || request.query.trim() === '') return [failed(ErrorCode.badRequest, 'The operation has no query.')];
  const operationName = request.operationName ?? undefined;
  const variables = request.variables ?? undefined;
  const compiledOperation = compiled(schema, request.query, operationName);
  if (isErrors(compiledOperation)) return [...compiledOperation];
  if (compiledOperation.kind === 'execution') {
    return { kind: 'execution', document: compiledOperation.document, request: { query: request.query, operationName, variables } };
  }

  const { operation, root, field } = compiledOperation;
  const coerced = getVariableValues(schema.api, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return coerced.errors.map((error) => failed(ErrorCode.badUserInput, error));
  let argumentValue: string | undefined;
  if (field.match.kind === 'argument') {
    const fieldDef = schema.api.getSubscriptionType()?.getFields()[field.field];
    if (!fieldDef) return [failed(ErrorCode.badRequest, `This gateway's schema has no Subscription.${field.field}.`)];
    const value = getArgumentValues(fieldDef, root, coerced.coerced)[field.match.argument];
    if (typeof value !== 'string' && typeof value !== 'number') return [failed(ErrorCode.badUserInput, `${field.match.argument} is required.`)];
    argumentValue = String(value);
  }
  return {
    kind: 'subscription',
    field,
    document: compiledOperation.document,
    request: { query: compiledOperation.query, operationName, variables },
    keyVariable: compiledOperation.keyVariable,
    argumentValue,
    rootKey: compiledOperation.rootKey,
    stateKeys: compiledOperation.stateKeys,
    hiddenStateKey: compiledOperation.hiddenStateKey,
  };
}

const isErrors = (value: Compiled): value is readonly GraphQLError[] => Array.isArray(value);

const freeName = (base: string, taken: ReadonlySet<string>) => {
  let name = base;
  for (let n = 2; taken.has(name); n += 1) name = `${base}${n}`;
  return name;
};

function compile(schema: ServingSchema, text: string, operationName: string | undefined): Compiled {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (error) {
    return [failed(ErrorCode.graphqlParseFailed, error instanceof RuntimeGraphQLError ? error : String(error))];
  }
  const invalid = validate(schema.api, document);
  if (invalid.length > 0) return invalid.map((error) => failed(ErrorCode.graphqlValidationFailed, error));
  const operation = getOperationAST(document, operationName);
  if (!operation) return [failed(ErrorCode.badRequest, operationName ? `Unknown operation named "${echoed(operationName)}".` : 'Name the operation to run.')];
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return { kind: 'execution', document };
  // The incremental delivery draft forbids @stream in subscriptions (unless `if: false`).
  const streamed = hasStream(document)
    ? streamRuleViolations(
        schema.api,
        operation,
        Object.fromEntries(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : []))),
      )
    : undefined;
  if (streamed) return streamed;

  const [root, ...more] = operation.selectionSet.selections;
  const field = root?.kind === Kind.FIELD ? schema.eventFields.get(root.name.value) : undefined;
  if (!root || more.length > 0 || root.kind !== Kind.FIELD || !root.selectionSet) {
    return [failed(ErrorCode.badRequest, 'Select one subscription field directly at the root of the subscription.')];
  }
  if (!field) return [failed(ErrorCode.badRequest, `Subscription.${root.name.value} is not served by this gateway.`)];
  const queryField = schema.api.getQueryType()?.getFields()[field.query];
  const queryArg = queryField?.args.find((argument) => argument.name === field.queryArg);
  if (!queryArg) return [failed(ErrorCode.internal, `Subscription.${root.name.value} names Query.${field.query}(${field.queryArg}:), which this schema does not have.`)];

  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const { responseKeys, stateKeys } = rootResponseKeys(root.selectionSet, fragments, field.state);
  const hiddenStateKey = field.state ? freeName('_gatewayState', responseKeys) : undefined;
  const keyVariable = freeName('_gatewayKey', new Set((operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value)));
  const rootKey = root.alias?.value ?? root.name.value;

  const rewrittenRoot: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: rootKey },
    name: { kind: Kind.NAME, value: field.query },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: field.queryArg }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: keyVariable } } }],
    selectionSet: {
      ...root.selectionSet,
      selections: [
        ...root.selectionSet.selections,
        ...(field.state && hiddenStateKey
          ? [{ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: hiddenStateKey }, name: { kind: Kind.NAME, value: field.state } } as FieldNode]
          : []),
      ],
    },
  };
  const used = usedFragments(operation.selectionSet, fragments);
  const usedVariables = variablesIn([rewrittenRoot, ...used]);
  const keyDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: keyVariable } },
    type: parseType(String(queryArg.type)),
  };
  const rewritten: OperationDefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    // The arguments that only matched events are gone, and so are the variables only they used.
    variableDefinitions: [keyDefinition, ...(operation.variableDefinitions ?? []).filter((definition) => usedVariables.has(definition.variable.name.value))],
    selectionSet: { ...operation.selectionSet, selections: [rewrittenRoot] },
  };
  const query: DocumentNode = { kind: Kind.DOCUMENT, definitions: [rewritten, ...used] };
  // The original was valid; so must the rewrite be (if not, the declared query field does not fit the subscription's type).
  const rewriteErrors = validate(schema.api, query);
  if (rewriteErrors.length > 0) {
    return [failed(ErrorCode.internal, `The subscription cannot be served as a query: ${rewriteErrors.map((error) => error.message).join('; ')}`)];
  }
  return { kind: 'subscription', field, document, operation, root, query: print(query), keyVariable, rootKey, stateKeys: [...stateKeys], hiddenStateKey };
}

/** Every response key directly on the entity (through fragments), and which of them are its state field. */
function rootResponseKeys(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, state: string | undefined) {
  const responseKeys = new Set<string>();
  const stateKeys = new Set<string>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        responseKeys.add(key);
        if (state !== undefined && selection.name.value === state) stateKeys.add(key);
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
  return { responseKeys, stateKeys };
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

function variablesIn(nodes: readonly (FieldNode | FragmentDefinitionNode)[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  return names;
}
