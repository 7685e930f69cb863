// The operation a caller may run: its unauthorized fields taken out before planning (so never
// fetched), and put back into the response as `null` with an error at each of their paths, null
// propagating to the nearest nullable parent as GraphQL does for a field error.
//
// Taking out: fragments are inlined (a named fragment may be allowed in one place and not in
// another), and wherever something was taken out the selection gets a `__typename` under an alias
// of ours: it keeps the selection from going empty and tells the response walk which object type
// answered (an unauthorized field in `... on T` is null only on T's objects). @skip/@include are
// kept as conditions of the removed field and evaluated against the request's variables when the
// response is completed: the filtered document is the same for every variable value (one plan).
import type {
  DirectiveNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLFormattedError,
  GraphQLNamedType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { Requirement, SchemaRequirements } from './requirements.ts';

const { Kind, TypeInfo, getNamedType, isAbstractType, isListType, isNonNullType, isObjectType, visit, visitWithTypeInfo, isInterfaceType, isUnionType } = graphqlRuntime;

/**
 * How the gateway refuses a field: with the codes and messages shield answers with in the
 * subgraphs (UNAUTHENTICATED to an anonymous caller, FORBIDDEN to a signed-in one), so a client
 * sees one behaviour whichever layer refused; `extensions.deniedBy: "gateway"` tells them apart.
 */
export interface Refusal {
  readonly message: string;
  readonly code: ErrorCode;
}
export const refusalFor = (signedIn: boolean): Refusal =>
  signedIn ? { code: ErrorCode.forbidden, message: 'You are not allowed to do this.' } : { code: ErrorCode.unauthenticated, message: 'You must be signed in.' };
export const DENIED_BY = 'gateway';

interface RemovedField {
  readonly responseName: string;
  readonly coordinate: string;
  /** Type conditions of the inline fragments it sits in, within its selection. */
  readonly typeConditions: readonly string[];
  /** Its own @skip/@include and those of the fragments it sits in. */
  readonly conditions: readonly DirectiveNode[];
  readonly nonNull: boolean;
}

interface Descent {
  readonly responseName: string;
  readonly typeConditions: readonly string[];
  readonly conditions: readonly DirectiveNode[];
  readonly type: GraphQLOutputType;
  readonly node: RemovalNode;
}

/** Where, under one selection, fields were removed (directly or deeper down). */
export interface RemovalNode {
  /** The alias of the `__typename` added to this selection (none at the root). */
  marker?: string;
  readonly removed: RemovedField[];
  readonly children: Descent[];
}

export interface FilteredOperation {
  /** The operation without the unauthorized fields (and with the markers). */
  readonly document: DocumentNode;
  readonly removals: RemovalNode;
  /** Nothing is left at the root: answer without executing. */
  readonly empty: boolean;
}

export interface GuardedField {
  readonly coordinate: string;
  readonly requirement: Requirement;
  /** Response path of the field in the operation (fragments inlined), for reject-mode errors. */
  readonly path: readonly string[];
}

const isConditional = (directive: DirectiveNode) => directive.name.value === 'skip' || directive.name.value === 'include';
const conditionsOf = (directives: readonly DirectiveNode[] | undefined) => (directives ?? []).filter(isConditional);

/** A requirement met in an operation, and the fields (`Type.field`) that carry it. */
export interface RequirementUse {
  readonly requirement: Requirement;
  readonly coordinates: Set<string>;
}

/** The requirements an operation's fields (in any of its fragments) carry: empty when the operation is unguarded. */
export function requirementsIn(document: DocumentNode, api: GraphQLSchema, requirements: SchemaRequirements): Map<string, RequirementUse> {
  const found = new Map<string, RequirementUse>();
  if (!requirements.any) return found;
  const typeInfo = new TypeInfo(api);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const requirement = parent ? requirements.of(parent, node.name.value) : undefined;
        if (!parent || !requirement) return;
        let use = found.get(requirement.key);
        if (!use) {
          use = { requirement, coordinates: new Set() };
          found.set(requirement.key, use);
        }
        use.coordinates.add(`${parent.name}.${node.name.value}`);
      },
    }),
  );
  return found;
}

function markerFor(selections: readonly SelectionNode[]): string {
  const taken = new Set<string>();
  const collect = (list: readonly SelectionNode[]) => {
    for (const selection of list) {
      if (selection.kind === Kind.FIELD) taken.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet.selections);
    }
  };
  collect(selections);
  let marker = '_authzTypename';
  while (taken.has(marker)) marker = `${marker}_`;
  return marker;
}

const hasContent = (node: RemovalNode) => node.removed.length > 0 || node.children.length > 0;

/** The operation `operation` of `document` without the fields whose requirement `denied` says no to. */
export function filterOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  api: GraphQLSchema,
  requirements: SchemaRequirements,
  denied: (requirement: Requirement) => boolean,
): FilteredOperation {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLNamedType,
    node: RemovalNode,
    typeConditions: readonly string[],
    conditions: readonly DirectiveNode[],
  ): SelectionNode[] => {
    const kept: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const kept_ = walkField(selection, parent, node, typeConditions, conditions);
        if (kept_) kept.push(kept_);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const conditionName = fragment.typeCondition?.name.value;
      const fragmentType = conditionName ? api.getType(conditionName) : parent;
      if (!fragmentType) continue;
      const innerConditions = conditionName && conditionName !== parent.name ? [...typeConditions, conditionName] : typeConditions;
      const selections = walk(fragment.selectionSet, fragmentType, node, innerConditions, [...conditions, ...conditionsOf(selection.directives)]);
      if (selections.length === 0) continue;
      kept.push({
        kind: Kind.INLINE_FRAGMENT,
        ...(fragment.typeCondition ? { typeCondition: fragment.typeCondition } : {}),
        // A named fragment's own directives apply to its content; the spread's to the spread.
        // @defer is dropped: its part comes inline, completed with the rest (a server may ignore @defer).
        directives: withoutDefer(selection.kind === Kind.INLINE_FRAGMENT ? selection.directives : [...(selection.directives ?? []), ...(fragment.directives ?? [])]),
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      });
    }
    return kept;
  };

  const walkField = (
    field: FieldNode,
    parent: GraphQLNamedType,
    node: RemovalNode,
    typeConditions: readonly string[],
    conditions: readonly DirectiveNode[],
  ): FieldNode | undefined => {
    const name = field.name.value;
    if (name.startsWith('__')) return field;
    const responseName = field.alias?.value ?? name;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (!definition) return field;
    const requirement = requirements.of(parent, name);
    const fieldConditions = [...conditions, ...conditionsOf(field.directives)];
    if (requirement && denied(requirement)) {
      node.removed.push({ responseName, coordinate: `${parent.name}.${name}`, typeConditions, conditions: fieldConditions, nonNull: isNonNullType(definition.type) });
      return undefined;
    }
    if (!field.selectionSet) return field;
    const child: RemovalNode = { removed: [], children: [] };
    const selections = walk(field.selectionSet, getNamedType(definition.type), child, [], []);
    if (!hasContent(child))
      return selections.length === field.selectionSet.selections.length && sameSelections(selections, field.selectionSet.selections) ? field : withSelections(field, selections);
    child.marker = markerFor(selections);
    node.children.push({ responseName, typeConditions, conditions: fieldConditions, type: definition.type, node: child });
    return withSelections(field, [...selections, { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: child.marker }, name: { kind: Kind.NAME, value: '__typename' } }]);
  };

  const root: RemovalNode = { removed: [], children: [] };
  const rootType = api.getRootType(operation.operation);
  if (!rootType) throw new Error(`no ${operation.operation} root type`);
  const selections = walk(operation.selectionSet, rootType, root, [], []);
  const filtered: OperationDefinitionNode = { ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections } };
  return { document: withoutUnusedVariables({ kind: Kind.DOCUMENT, definitions: [filtered] }), removals: root, empty: selections.length === 0 };
}

const withoutDefer = (directives: readonly DirectiveNode[] | undefined) => (directives ?? []).filter((directive) => directive.name.value !== 'defer');
const sameSelections = (a: readonly SelectionNode[], b: readonly SelectionNode[]) => a.every((selection, index) => selection === b[index]);
const withSelections = (field: FieldNode, selections: readonly SelectionNode[]): FieldNode => ({ ...field, selectionSet: { kind: Kind.SELECTION_SET, selections } });

/** Variables only the removed fields used are dropped from the definition (the planner validates). */
function withoutUnusedVariables(document: DocumentNode): DocumentNode {
  const used = new Set<string>();
  const [operation] = document.definitions as OperationDefinitionNode[];
  if (!operation?.variableDefinitions?.length) return document;
  visit(operation.selectionSet, {
    Variable(node) {
      used.add(node.name.value);
    },
  });
  const variableDefinitions = operation.variableDefinitions.filter((definition) => used.has(definition.variable.name.value));
  if (variableDefinitions.length === operation.variableDefinitions.length) return document;
  return { ...document, definitions: [{ ...operation, variableDefinitions }] };
}

/** The response paths of the removed fields (type conditions aside): for reject mode's error. */
export function removedPaths(node: RemovalNode, prefix: readonly string[] = []): { path: string[]; coordinate: string; conditions: readonly DirectiveNode[] }[] {
  return [
    ...node.removed.map((removed) => ({ path: [...prefix, removed.responseName], coordinate: removed.coordinate, conditions: removed.conditions })),
    ...node.children.flatMap((child) =>
      removedPaths(child.node, [...prefix, child.responseName]).map((entry) => ({ ...entry, conditions: [...child.conditions, ...entry.conditions] })),
    ),
  ];
}

function valueOf(node: ValueNode, variables: Readonly<Record<string, unknown>>): unknown {
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.BOOLEAN) return node.value;
  return undefined;
}

/** @skip(if:)/@include(if:) as graphql-js evaluates them. */
export function included(conditions: readonly DirectiveNode[], variables: Readonly<Record<string, unknown>>): boolean {
  for (const directive of conditions) {
    const argument = directive.arguments?.find((candidate) => candidate.name.value === 'if');
    if (!argument) continue;
    const value = valueOf(argument.value, variables);
    if (directive.name.value === 'skip' && value === true) return false;
    if (directive.name.value === 'include' && value !== true) return false;
  }
  return true;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Puts the removed fields back into `data` as null, with an error at each path, null propagating
 * through non-null fields; returns the data (null when it propagated to the root).
 */
export function completeResponse(
  data: JsonObject,
  removals: RemovalNode,
  rootTypeName: string,
  api: GraphQLSchema,
  variables: Readonly<Record<string, unknown>>,
  errors: GraphQLFormattedError[],
  refusal: Refusal,
): JsonObject | null {
  const reported = new Set<string>();
  const applies = (typeConditions: readonly string[], typeName: string | undefined): boolean =>
    typeConditions.every((condition) => {
      if (condition === typeName) return true;
      const conditionType = api.getType(condition);
      const runtimeType = typeName ? api.getType(typeName) : undefined;
      return (
        runtimeType !== undefined &&
        isObjectType(runtimeType) &&
        conditionType !== undefined &&
        (isInterfaceType(conditionType) || isUnionType(conditionType)) &&
        api.isSubType(conditionType, runtimeType)
      );
    });

  /** True: this object must become null. */
  const completeObject = (object: JsonObject, node: RemovalNode, knownType: string | undefined, path: readonly (string | number)[]): boolean => {
    let typeName = knownType;
    if (node.marker) {
      const marked = object[node.marker];
      if (typeof marked === 'string') typeName = marked;
      delete object[node.marker];
    }
    let nullSelf = false;
    for (const removed of node.removed) {
      if (!applies(removed.typeConditions, typeName) || !included(removed.conditions, variables)) continue;
      const at = [...path, removed.responseName];
      const key = JSON.stringify(at);
      if (!reported.has(key)) {
        reported.add(key);
        errors.push({ message: refusal.message, path: at, extensions: { code: refusal.code, deniedBy: DENIED_BY } });
      }
      object[removed.responseName] = null;
      if (removed.nonNull) nullSelf = true;
    }
    for (const child of node.children) {
      if (!applies(child.typeConditions, typeName)) continue;
      const value = object[child.responseName];
      if (value === null || value === undefined) continue;
      if (completeValue(value, child.type, child.node, [...path, child.responseName])) {
        if (isNonNullType(child.type)) nullSelf = true;
        else object[child.responseName] = null;
      }
    }
    return nullSelf;
  };

  const completeValue = (value: unknown, type: GraphQLOutputType, node: RemovalNode, path: readonly (string | number)[]): boolean => {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) {
      if (!Array.isArray(value)) return false;
      const itemType = inner.ofType as GraphQLOutputType;
      let nullSelf = false;
      value.forEach((item: unknown, index) => {
        if (item === null || item === undefined) return;
        if (completeValue(item, itemType, node, [...path, index])) {
          if (isNonNullType(itemType)) nullSelf = true;
          else value[index] = null;
        }
      });
      return nullSelf;
    }
    if (!isObject(value)) return false;
    const named = getNamedType(inner);
    return completeObject(value, node, isAbstractType(named) ? undefined : named.name, path);
  };

  return completeObject(data, removals, rootTypeName, []) ? null : data;
}
