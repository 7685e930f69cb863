// @stream (incremental delivery draft): the served API schema declares it; the query planner does
// not know it, so the operation is planned without it and the streams are applied to the executed
// result: the first `initialCount` items of each streamed list stay in the initial payload, the
// rest follow as subsequent payloads `{ items, path: [...list, firstIndex] }`. The plan's fetches
// (entity fetches included) run once for the whole list, as without @stream: never per item.
import {
  DirectiveLocation,
  Kind,
  OperationTypeNode,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLDirective,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { ErrorCode } from '../../common/errors.ts';
import type { IncrementalExecutionResult, StreamField, StreamPayload, SubsequentResult } from './execute-plan.ts';

export type { StreamField, StreamPayload };

const { GraphQLDirective: DirectiveClass, GraphQLInt, GraphQLString, GraphQLBoolean, GraphQLNonNull, GraphQLSchema: SchemaClass } = graphqlRuntime;

type ResponsePath = (string | number)[];
type Variables = Record<string, unknown>;

/** `directive @stream(initialCount: Int = 0, label: String, if: Boolean! = true) on FIELD` (graphql-spec PR 1110). */
export const streamDirective: GraphQLDirective = new DirectiveClass({
  name: 'stream',
  description: 'Delivers the first `initialCount` items of a list in the initial payload and the rest in subsequent payloads.',
  locations: [DirectiveLocation.FIELD],
  args: {
    initialCount: { type: GraphQLInt, defaultValue: 0 },
    label: { type: GraphQLString },
    if: { type: new GraphQLNonNull(GraphQLBoolean), defaultValue: true },
  },
});

/** The schema with @stream declared (for validation; the planner never sees @stream). */
export function withStreamDirective(schema: GraphQLSchema): GraphQLSchema {
  if (schema.getDirective('stream')) return schema;
  const withStream = new SchemaClass({ ...schema.toConfig(), directives: [...schema.getDirectives(), streamDirective] });
  withStream.extensions = schema.extensions;
  return withStream;
}

const streamUsage = new WeakMap<DocumentNode, boolean>();
export function hasStream(document: DocumentNode): boolean {
  let found = streamUsage.get(document);
  if (found === undefined) {
    found = false;
    graphqlRuntime.visit(document, {
      Directive(node) {
        if (node.name.value === 'stream') found = true;
      },
    });
    streamUsage.set(document, found);
  }
  return found;
}

/** The document without its @stream directives: what the planner plans. */
export function withoutStream(document: DocumentNode): DocumentNode {
  return graphqlRuntime.visit(document, {
    Directive(node) {
      return node.name.value === 'stream' ? null : undefined;
    },
  });
}

const refused = (message: string): GraphQLError => new graphqlRuntime.GraphQLError(message, { extensions: { code: ErrorCode.incrementalDeliveryNotAllowed } });

const ifIsLiteralFalse = (directive: DirectiveNode) => {
  const value = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
  return value?.kind === Kind.BOOLEAN && !value.value;
};

/**
 * The draft's rules the planner cannot check: @stream on list fields only, never on a mutation's
 * root fields, never in a subscription (unless `if: false`). Undefined when the operation is fine.
 */
export function streamRuleViolations(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): GraphQLError[] | undefined {
  const errors: GraphQLError[] = [];
  walkStreams(schema, operation, fragments, (field, directive, isList, atRoot) => {
    if (!isList)
      errors.push(
        new graphqlRuntime.GraphQLError(`@stream can only be applied to list fields; "${field}" is not a list.`, { extensions: { code: ErrorCode.graphqlValidationFailed } }),
      );
    else if (operation.operation === OperationTypeNode.SUBSCRIPTION && !ifIsLiteralFalse(directive))
      errors.push(refused('@stream is not supported in subscriptions (graphql-spec incremental delivery draft). Disable it with `if: false`.'));
    else if (operation.operation === OperationTypeNode.MUTATION && atRoot) errors.push(refused(`@stream cannot be used on the root mutation field "${field}".`));
  });
  return errors.length > 0 ? errors : undefined;
}

/** The operation's @stream fields outside deferred fragments (inside one, the list comes whole with its fragment). */
export function streamFieldsOf(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Readonly<Record<string, FragmentDefinitionNode>>): StreamField[] {
  const found: StreamField[] = [];
  walkStreams(schema, operation, fragments, (_field, directive, isList, _atRoot, path, inDeferred) => {
    if (isList && !inDeferred) found.push({ path, directive });
  });
  // Outer lists first: a list streamed inside a streamed list's items follows the items that hold it.
  return found.sort((a, b) => a.path.length - b.path.length);
}

function walkStreams(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  visit: (field: string, directive: DirectiveNode, isList: boolean, atRoot: boolean, path: string[], inDeferred: boolean) => void,
): void {
  const root = schema.getRootType(operation.operation);
  if (!root) return;
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: string[], inDeferred: boolean, seen: ReadonlySet<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const responseName = selection.alias?.value ?? selection.name.value;
        const definition = 'getFields' in parent ? parent.getFields()[selection.name.value] : undefined;
        const stream = selection.directives?.find((directive) => directive.name.value === 'stream');
        let type = definition?.type;
        if (type && graphqlRuntime.isNonNullType(type)) type = type.ofType;
        if (stream)
          visit(`${parent.name}.${selection.name.value}`, stream, type !== undefined && graphqlRuntime.isListType(type), path.length === 0, [...path, responseName], inDeferred);
        const named = definition ? graphqlRuntime.getNamedType(definition.type) : undefined;
        if (selection.selectionSet && named && graphqlRuntime.isCompositeType(named)) walk(selection.selectionSet, named, [...path, responseName], inDeferred, seen);
      } else {
        const deferred = inDeferred || (selection.directives?.some((directive) => directive.name.value === 'defer' && !ifIsLiteralFalse(directive)) ?? false);
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          if (condition && graphqlRuntime.isCompositeType(condition)) walk(selection.selectionSet, condition, path, deferred, seen);
        } else {
          const fragment = fragments[selection.name.value];
          const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          if (fragment && !seen.has(fragment.name.value) && condition && graphqlRuntime.isCompositeType(condition))
            walk(fragment.selectionSet, condition, path, deferred, new Set([...seen, fragment.name.value]));
        }
      }
    }
  };
  walk(operation.selectionSet, root, [], false, new Set());
}

/** The values of a request's variables, defaults applied (as the directive's arguments read them). */
export function coercedVariables(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[] | undefined, variables: Variables | undefined): Variables {
  if (!definitions || definitions.length === 0) return {};
  return graphqlRuntime.getVariableValues(schema, definitions, variables ?? {}).coerced ?? {};
}

/**
 * Cuts each streamed list of `data` (in place) after its initial count and returns the rest as
 * payloads, one group per @stream field (outer lists first), and the errors that belong to the
 * items cut (taken out of `errors`). Returns no groups when nothing was cut.
 */
export function cutStreams(
  data: Record<string, unknown> | null | undefined,
  errors: GraphQLError[] | undefined,
  streams: readonly StreamField[],
  variables: Variables,
): { groups: StreamPayload[][]; errors: GraphQLError[] | undefined } {
  if (!data) return { groups: [], errors };
  const places: { path: ResponsePath; list: unknown[]; initialCount: number; label: string | undefined; group: number }[] = [];
  streams.forEach((stream, group) => {
    const values = graphqlRuntime.getDirectiveValues(streamDirective, { directives: [stream.directive] }, variables) as
      { initialCount?: number; label?: string; if?: boolean } | undefined;
    if (!values || values.if === false) return;
    const initialCount = Math.max(0, values.initialCount ?? 0);
    const reach = (value: unknown, path: ResponsePath, index: number) => {
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) {
        if (index === stream.path.length) {
          places.push({ path, list: value, initialCount, label: values.label, group });
          return;
        }
        value.forEach((element: unknown, position) => reach(element, [...path, position], index));
        return;
      }
      const key = stream.path[index];
      if (key === undefined || typeof value !== 'object') return;
      reach((value as Record<string, unknown>)[key], [...path, key], index + 1);
    };
    reach(data, [], 0);
  });
  // Every place is found before any list is cut: a list inside a cut item is cut too (its items follow it).
  const cut = places.flatMap((place) => (place.list.length > place.initialCount ? [{ ...place, items: place.list.splice(place.initialCount) }] : []));
  // An error goes with the payload of the innermost cut list it falls in (one beside the kept items stays in the initial payload).
  let remainingErrors = errors ? [...errors] : undefined;
  const ownErrors = new Map<(typeof cut)[number], GraphQLError[]>();
  for (const place of [...cut].reverse()) {
    if (!remainingErrors || remainingErrors.length === 0) break;
    const within = (error: GraphQLError) => {
      const at = error.path;
      if (!at || at.length <= place.path.length || !place.path.every((element, index) => at[index] === element)) return false;
      const index = at[place.path.length];
      return typeof index === 'number' && index >= place.initialCount;
    };
    const own = remainingErrors.filter(within);
    if (own.length > 0) {
      ownErrors.set(place, own);
      remainingErrors = remainingErrors.filter((error) => !within(error));
    }
  }
  const groups: StreamPayload[][] = streams.map(() => []);
  for (const place of cut) {
    const own = ownErrors.get(place);
    groups[place.group]!.push({
      items: place.items,
      path: [...place.path, place.initialCount],
      ...(place.label !== undefined ? { label: place.label } : {}),
      ...(own ? { errors: own } : {}),
    });
  }
  return { groups: groups.filter((group) => group.length > 0), errors: remainingErrors && remainingErrors.length > 0 ? remainingErrors : undefined };
}

/**
 * The result with its streams applied: the streamed lists cut in the initial payload, their
 * remaining items sent first (one subsequent payload per @stream field, outer lists first), then
 * the deferred fragments' payloads, if any. The result as it was when nothing is cut.
 */
export function applyStreams(execution: IncrementalExecutionResult, streams: readonly StreamField[], variables: Variables): IncrementalExecutionResult {
  const { subsequent, ...result } = execution;
  const { groups, errors } = cutStreams(result.data, result.errors, streams, variables);
  if (groups.length === 0) return execution;
  async function* parts(): AsyncGenerator<SubsequentResult> {
    for (const [index, group] of groups.entries()) yield { incremental: group, hasNext: index < groups.length - 1 || subsequent !== undefined };
    if (subsequent) yield* subsequent;
  }
  const { errors: _cut, ...rest } = result;
  return { ...rest, ...(errors ? { errors } : {}), subsequent: parts(), streams: groups.flat().map(({ path, label }) => ({ path, ...(label !== undefined ? { label } : {}) })) };
}
