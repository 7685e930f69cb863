// Two @requires of one subgraph that select the same field with different arguments
// (`shippingEstimate @requires(fields: "price(currency: \"USD\")")` beside `shippingEstimateEUR
// @requires(fields: "price(currency: \"EUR\")")`): @apollo/query-planner 2.14 merges the two
// requirements by response name, fetches one `price` and sends one representation for both, so
// one field is computed from the other's price (the federation audit's
// requires-with-argument-conflict). The plan is corrected after planning, once per operation (it
// is cached with the plan): each other variant is fetched beside the planner's under an alias of
// its own, and the entity fetch is split into one fetch per set of fields that agree on their
// requirements, each sending the representation its fields need (the alias moved back to the
// required name by the executor: requiresRenames). Batching stays: one fetch per distinct
// requirement, not one per entity.
import type { Supergraph } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import type { ArgumentNode, DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, SelectionNode, SelectionSetNode } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { Kind, getNamedType, isAbstractType, isCompositeType, isInterfaceType, isObjectType, parse, print, stripIgnoredCharacters, visit } = graphqlRuntime;

/** A field a @requires selects with arguments (the outermost such field on its path). */
interface RequiredWithArguments {
  /** Field names from the entity down to the field's parent. */
  readonly path: readonly string[];
  readonly name: string;
  /** Its arguments, printed and sorted: equal strings, equal arguments. */
  readonly args: string;
  /** The field as the @requires selects it (arguments and subselection). */
  readonly node: FieldNode;
  /** The type the field is selected on. */
  readonly parentType: string;
}

/** Subgraph -> type -> field -> what its @requires selects with arguments (fields with none left out). */
export type RequiresWithArguments = ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, readonly RequiredWithArguments[]>>>;

const argumentsOf = (field: FieldNode) =>
  (field.arguments ?? [])
    .map((argument) => print(argument))
    .sort()
    .join(', ');
const responseNameOf = (field: FieldNode) => field.alias?.value ?? field.name.value;

/** Built once per supergraph. */
export function requiresWithArgumentsOf(supergraph: Supergraph, schema: GraphQLSchema): RequiresWithArguments {
  const index = new Map<string, Map<string, Map<string, RequiredWithArguments[]>>>();
  for (const subgraph of supergraph.subgraphs()) {
    const requiresDirective = subgraph.metadata().requiresDirective();
    for (const type of subgraph.schema.types()) {
      if (type.kind !== 'ObjectType' && type.kind !== 'InterfaceType') continue;
      for (const field of type.fields()) {
        for (const application of field.appliedDirectivesOf(requiresDirective)) {
          const fields: unknown = application.arguments().fields;
          if (typeof fields !== 'string' || !fields.includes('(')) continue;
          const found: RequiredWithArguments[] = [];
          const definition = parse(`{ ${fields} }`).definitions[0];
          if (definition?.kind === Kind.OPERATION_DEFINITION) collectWithArguments(schema, type.name, definition.selectionSet, [], found);
          if (found.length === 0) continue;
          const byType = index.get(subgraph.name) ?? new Map<string, Map<string, RequiredWithArguments[]>>();
          index.set(subgraph.name, byType);
          const byField = byType.get(type.name) ?? new Map<string, RequiredWithArguments[]>();
          byType.set(type.name, byField);
          byField.set(field.name, [...(byField.get(field.name) ?? []), ...found]);
        }
      }
    }
  }
  return index;
}

function collectWithArguments(schema: GraphQLSchema, typeName: string, selectionSet: SelectionSetNode, path: string[], into: RequiredWithArguments[]): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectWithArguments(schema, selection.typeCondition?.name.value ?? typeName, selection.selectionSet, path, into);
    } else if (selection.kind === Kind.FIELD) {
      if (selection.arguments && selection.arguments.length > 0) {
        into.push({ path, name: selection.name.value, args: argumentsOf(selection), node: selection, parentType: typeName });
      } else if (selection.selectionSet) {
        const type = schema.getType(typeName);
        const fieldType = type && 'getFields' in type ? type.getFields()[selection.name.value]?.type : undefined;
        const named = fieldType ? getNamedType(fieldType) : undefined;
        if (named && isCompositeType(named)) collectWithArguments(schema, named.name, selection.selectionSet, [...path, selection.name.value], into);
      }
    }
  }
}

interface PlacedFetch {
  readonly fetch: FetchNode;
  /** The Flatten path it merges at, without `@` ([] for a root fetch). */
  readonly at: readonly string[];
}

function fetchesOf(node: PlanNode | undefined, at: readonly string[], into: PlacedFetch[]): PlacedFetch[] {
  if (!node) return into;
  switch (node.kind) {
    case 'Fetch':
      into.push({ fetch: node, at });
      break;
    case 'Flatten':
      fetchesOf(node.node, node.path.filter((element): element is string => element !== '@').map(String), into);
      break;
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) fetchesOf(child, at, into);
      break;
    case 'Condition':
      fetchesOf(node.ifClause, at, into);
      fetchesOf(node.elseClause, at, into);
      break;
    case 'Defer':
      fetchesOf(node.primary.node, at, into);
      for (const deferred of node.deferred) fetchesOf(deferred.node, at, into);
      break;
  }
  return into;
}

/** The operation with every named fragment spread inlined (a fetch's own fields can then be taken apart). */
function inlined(operation: string): OperationDefinitionNode | undefined {
  const document = parse(operation);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let definition: OperationDefinitionNode | undefined;
  for (const node of document.definitions) {
    if (node.kind === Kind.FRAGMENT_DEFINITION) fragments.set(node.name.value, node);
    else if (node.kind === Kind.OPERATION_DEFINITION) definition = node;
  }
  if (!definition || fragments.size === 0) return definition;
  const inline = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>): SelectionSetNode => ({
    ...selectionSet,
    selections: selectionSet.selections.map((selection): SelectionNode => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) return selection;
        return {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          ...(selection.directives ? { directives: selection.directives } : {}),
          selectionSet: inline(fragment.selectionSet, new Set([...seen, fragment.name.value])),
        };
      }
      return selection.selectionSet ? { ...selection, selectionSet: inline(selection.selectionSet, seen) } : selection;
    }),
  });
  return { ...definition, selectionSet: inline(definition.selectionSet, new Set()) };
}

const entitiesField = (operation: OperationDefinitionNode): FieldNode | undefined =>
  operation.selectionSet.selections.find((selection): selection is FieldNode => selection.kind === Kind.FIELD && selection.name.value === '_entities');

/**
 * Keys of a representation moved before it is sent: the value read under an alias goes under the
 * required name (not a plan KeyRenamer: those skip falsy values, as @apollo/gateway's do).
 */
export interface RequiresRename {
  /** `... on Type`, the field names down to the parent, then the alias. */
  readonly path: readonly string[];
  readonly renameKeyTo: string;
}

/** An entity fetch of a split: its representation reads some required fields under aliases. */
export interface SplitFetchNode extends FetchNode {
  readonly requiresRenames?: readonly RequiresRename[];
}

/** A required field's place in the response: where the entity fetch merges, then the @requires path. */
interface Place {
  readonly key: string;
  readonly path: readonly string[];
  readonly required: RequiredWithArguments;
}

/** An aliased copy of the planner's field with other arguments, fetched beside it. */
interface Addition {
  readonly alias: string;
  readonly arguments: readonly ArgumentNode[];
}

/**
 * Walks a fetch's selection down `rest` (response names; inline fragments followed) to the
 * selection sets where `name` is selected unaliased on a type that fits `parentType`, noting
 * the arguments it is selected with there, and adds beside it a copy of it for each addition
 * (the planner's subselection there is the union of every variant's, so it serves each).
 */
function walkTo(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  rest: readonly string[],
  name: string,
  parentType: string,
  found: Set<string>,
  additions: readonly Addition[],
): SelectionSetNode {
  const [head, ...tail] = rest;
  let planned: FieldNode | undefined;
  const selections = selectionSet.selections.map((selection): SelectionNode => {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (head === undefined && !fits(schema, selection.typeCondition?.name.value, parentType)) return selection;
      return { ...selection, selectionSet: walkTo(schema, selection.selectionSet, rest, name, parentType, found, additions) };
    }
    if (selection.kind !== Kind.FIELD) return selection;
    if (head === undefined) {
      if (!selection.alias && selection.name.value === name) {
        found.add(argumentsOf(selection));
        planned ??= selection;
      }
      return selection;
    }
    if (responseNameOf(selection) !== head || !selection.selectionSet) return selection;
    return { ...selection, selectionSet: walkTo(schema, selection.selectionSet, tail, name, parentType, found, additions) };
  });
  if (planned) {
    const present = new Set(selections.map((selection) => (selection.kind === Kind.FIELD ? responseNameOf(selection) : '')));
    for (const { alias, arguments: args } of additions) if (!present.has(alias)) selections.push({ ...planned, alias: { kind: Kind.NAME, value: alias }, arguments: args });
  }
  return { ...selectionSet, selections };
}

// Whether a fragment's type condition may hold for an object of `typeName` (equal, or one is abstract and covers the other).
function fits(schema: GraphQLSchema, condition: string | undefined, typeName: string): boolean {
  if (!condition || condition === typeName) return true;
  const conditionType = schema.getType(condition);
  const type = schema.getType(typeName);
  if (!conditionType || !type) return false;
  if (isAbstractType(conditionType) && (isObjectType(type) || isInterfaceType(type))) return schema.isSubType(conditionType, type);
  if (isAbstractType(type) && (isObjectType(conditionType) || isInterfaceType(conditionType))) return schema.isSubType(type, conditionType);
  return false;
}

/** Where a fetch's selection starts at a place: its root, or its `_entities` selection. */
function startOf(fetch: PlacedFetch, operation: OperationDefinitionNode): SelectionSetNode | undefined {
  return fetch.fetch.requires ? entitiesField(operation)?.selectionSet : operation.selectionSet;
}

const isPrefix = (prefix: readonly string[], path: readonly string[]) => prefix.length <= path.length && prefix.every((element, index) => path[index] === element);

interface Item {
  readonly typeName: string;
  readonly responseName: string;
  readonly places: readonly Place[];
}

interface Group {
  /** Place key -> the arguments its fields need there. */
  readonly needs: Map<string, string>;
  readonly items: Item[];
}

export interface SeparatedRequires {
  readonly plan: QueryPlan;
  /** The aliases given here -> the required field's name (for error paths). Empty: the plan as planned. */
  readonly responseNames: ReadonlyMap<string, string>;
}

/**
 * The plan with each entity fetch whose fields' @requires disagree on a field's arguments split
 * into one fetch per agreeing set, and the other arguments fetched under aliases. The plan itself
 * when nothing disagrees (or when the planner's fetch of a required field is not found: the plan
 * is then left as the planner made it).
 */
export function separateConflictingRequires(plan: QueryPlan, index: RequiresWithArguments, schema: GraphQLSchema): SeparatedRequires {
  const unchanged = { plan, responseNames: new Map<string, string>() };
  if (index.size === 0 || !plan.node || plan.node.kind === 'Subscription') return unchanged;
  const placed = fetchesOf(plan.node, [], []);
  const candidates = placed.filter(({ fetch }) => fetch.requires && index.has(fetch.serviceName));
  if (candidates.length === 0) return unchanged;

  const operations = new Map<FetchNode, OperationDefinitionNode | undefined>();
  const operationOf = (fetch: FetchNode) => {
    if (!operations.has(fetch)) operations.set(fetch, inlined(fetch.operation));
    return operations.get(fetch);
  };
  // The arguments the planner fetched a place with (undefined: not found, or found with several).
  const fetchedArgs = new Map<string, string | undefined>();
  const fetchedAt = (place: Place, requiring: FetchNode): string | undefined => {
    if (fetchedArgs.has(place.key)) return fetchedArgs.get(place.key);
    const found = new Set<string>();
    for (const provider of placed) {
      if (provider.fetch === requiring || !isPrefix(provider.at, place.path)) continue;
      const operation = operationOf(provider.fetch);
      const start = operation && startOf(provider, operation);
      if (start) walkTo(schema, start, place.path.slice(provider.at.length), place.required.name, place.required.parentType, found, []);
    }
    const args = found.size === 1 ? [...found][0] : undefined;
    fetchedArgs.set(place.key, args);
    return args;
  };

  const aliases = new Map<string, string>();
  const responseNames = new Map<string, string>();
  const allOperations = placed.map(({ fetch }) => fetch.operation).join('\n');
  const aliasFor = (place: Place, args: string) => {
    const key = `${place.key}\u0000${args}`;
    let alias = aliases.get(key);
    if (!alias) {
      alias = `_requiresArgs${aliases.size}_${place.required.name}`;
      while (allOperations.includes(alias)) alias = `${alias}_`;
      aliases.set(key, alias);
      responseNames.set(alias, place.required.name);
    }
    return alias;
  };
  /** Provider additions: place key -> the aliases to fetch beside the planner's field. */
  const additions = new Map<string, { place: Place; fields: Addition[] }>();
  const replacements = new Map<FetchNode, FetchNode[]>();

  for (const { fetch, at } of candidates) {
    const operation = operationOf(fetch);
    const entities = operation && entitiesField(operation);
    if (!operation || !entities?.selectionSet) continue;
    const byType = index.get(fetch.serviceName)!;
    const items: Item[] = [];
    let plain = true;
    for (const selection of entities.selectionSet.selections) {
      if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) {
        plain = false;
        continue;
      }
      const typeName = selection.typeCondition.name.value;
      for (const field of selection.selectionSet.selections) {
        if (field.kind !== Kind.FIELD) {
          plain = false;
          continue;
        }
        const required = byType.get(typeName)?.get(field.name.value) ?? [];
        const places = required.map((entry): Place => {
          const path = [...at, ...entry.path];
          return { key: `${path.join('.')}\u0000${entry.parentType}\u0000${entry.name}`, path, required: entry };
        });
        items.push({ typeName, responseName: responseNameOf(field), places });
      }
    }
    if (!plain || items.every((item) => item.places.length === 0)) continue;
    // The planner's own group: the arguments it fetched, everywhere.
    const planners: Group = { needs: new Map(), items: [] };
    let unknown = false;
    for (const item of items)
      for (const place of item.places) {
        const args = fetchedAt(place, fetch);
        if (args === undefined) unknown = true;
        else planners.needs.set(place.key, args);
      }
    if (unknown) continue;
    const groups: Group[] = [planners];
    for (const item of items) {
      const agrees = (group: Group) => item.places.every((place) => (group.needs.get(place.key) ?? place.required.args) === place.required.args);
      let group = groups.find(agrees);
      if (!group) {
        group = { needs: new Map(), items: [] };
        groups.push(group);
      }
      for (const place of item.places) group.needs.set(place.key, place.required.args);
      group.items.push(item);
    }
    if (groups.length === 1) continue;
    const split: FetchNode[] = [];
    for (const group of groups) {
      if (group.items.length === 0) continue;
      const renames: { place: Place; alias: string }[] = [];
      const seen = new Set<string>();
      for (const item of group.items)
        for (const place of item.places) {
          if (seen.has(place.key) || planners.needs.get(place.key) === place.required.args) continue;
          seen.add(place.key);
          const alias = aliasFor(place, place.required.args);
          renames.push({ place, alias });
          const entry = additions.get(place.key) ?? { place, fields: [] };
          additions.set(place.key, entry);
          if (!entry.fields.some((field) => field.alias === alias)) entry.fields.push({ alias, arguments: place.required.node.arguments ?? [] });
        }
      split.push(fetchFor(fetch, operation, group, renames, split.length === 0));
    }
    replacements.set(fetch, split);
  }
  if (replacements.size === 0) return unchanged;

  // Each provider fetch of a place fetches the other arguments' aliases beside the planner's field
  // (a fetch that was split may be one too: its parts are looked at).
  const providers = new Map<FetchNode, FetchNode>();
  const parts = placed.flatMap((entry) => replacements.get(entry.fetch)?.map((fetch): PlacedFetch => ({ fetch, at: entry.at })) ?? [entry]);
  for (const provider of parts) {
    let operation = operationOf(provider.fetch);
    let changed = false;
    for (const { place, fields } of additions.values()) {
      if (!operation || !isPrefix(provider.at, place.path)) continue;
      const start = startOf(provider, operation);
      if (!start) continue;
      const found = new Set<string>();
      const updated = walkTo(schema, start, place.path.slice(provider.at.length), place.required.name, place.required.parentType, found, fields);
      if (found.size === 0) continue;
      changed = true;
      operation = provider.fetch.requires ? withEntitiesSelection(operation, updated) : { ...operation, selectionSet: updated };
    }
    if (changed && operation) providers.set(provider.fetch, { ...withoutDocument(provider.fetch), operation: printed(operation) });
  }
  return { plan: { ...plan, node: rewriteNode(plan.node, replacements, providers) }, responseNames };
}

function withEntitiesSelection(operation: OperationDefinitionNode, selectionSet: SelectionSetNode): OperationDefinitionNode {
  return {
    ...operation,
    selectionSet: {
      ...operation.selectionSet,
      selections: operation.selectionSet.selections.map((selection) =>
        selection.kind === Kind.FIELD && selection.name.value === '_entities' ? { ...selection, selectionSet } : selection,
      ),
    },
  };
}

function withoutDocument(fetch: FetchNode): FetchNode {
  const { operationDocumentNode: _stale, ...rest } = fetch;
  return rest;
}

const printed = (operation: OperationDefinitionNode) => stripIgnoredCharacters(print({ kind: Kind.DOCUMENT, definitions: [operation] } satisfies DocumentNode));

/** The entity fetch for one group: its fields only, its representation with the aliased values under the required names. */
function fetchFor(fetch: FetchNode, operation: OperationDefinitionNode, group: Group, renames: readonly { place: Place; alias: string }[], first: boolean): SplitFetchNode {
  const wanted = new Set(group.items.map((item) => `${item.typeName}\u0000${item.responseName}`));
  const entities = entitiesField(operation)!;
  const selections = entities.selectionSet!.selections.flatMap((selection): SelectionNode[] => {
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return [selection];
    const typeName = selection.typeCondition.name.value;
    const kept = selection.selectionSet.selections.filter(
      (field) => field.kind === Kind.FIELD && (field.name.value === '__typename' || wanted.has(`${typeName}\u0000${responseNameOf(field)}`)),
    );
    return kept.some((field) => field.kind === Kind.FIELD && field.name.value !== '__typename')
      ? [{ ...selection, selectionSet: { ...selection.selectionSet, selections: kept } }]
      : [];
  });
  let narrowed = withEntitiesSelection(operation, { ...entities.selectionSet!, selections });
  // Variables only the other groups' fields used are left out (an unused variable is invalid).
  const used = new Set<string>();
  visit(narrowed.selectionSet, { Variable: (node) => void used.add(node.name.value) });
  narrowed = { ...narrowed, variableDefinitions: (narrowed.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)) };
  let requires = fetch.requires ?? [];
  const requiresRenames: RequiresRename[] = [];
  for (const { place, alias } of renames) {
    requires = renamed(requires, place.required.path, place.required.name, alias);
    const typeNames = group.items.filter((item) => item.places.some((other) => other.key === place.key)).map((item) => item.typeName);
    for (const typeName of new Set(typeNames)) requiresRenames.push({ path: [`... on ${typeName}`, ...place.required.path, alias], renameKeyTo: place.required.name });
  }
  const { id, ...rest } = withoutDocument(fetch);
  return {
    ...rest,
    ...(first && id !== undefined ? { id } : {}),
    operation: printed(narrowed),
    requires,
    ...(requiresRenames.length > 0 ? { requiresRenames } : {}),
    ...(fetch.variableUsages ? { variableUsages: fetch.variableUsages.filter((name) => used.has(name)) } : {}),
  };
}

/** The requires selection reading `alias` where it read `name` (at `path`). */
function renamed(selections: readonly QueryPlanSelectionNode[], path: readonly string[], name: string, alias: string): QueryPlanSelectionNode[] {
  const [head, ...tail] = path;
  return selections.map((selection): QueryPlanSelectionNode => {
    if (selection.kind === 'InlineFragment') return { ...selection, selections: renamed(selection.selections, path, name, alias) };
    if (head === undefined) return selection.name === name && !selection.alias ? { ...selection, name: alias } : selection;
    return selection.name === head && selection.selections ? { ...selection, selections: renamed(selection.selections, tail, name, alias) } : selection;
  });
}

function rewriteNode(node: PlanNode, replacements: ReadonlyMap<FetchNode, FetchNode[]>, providers: ReadonlyMap<FetchNode, FetchNode>): PlanNode {
  const again = (child: PlanNode) => rewriteNode(child, replacements, providers);
  switch (node.kind) {
    case 'Fetch': {
      const split = replacements.get(node)?.map((fetch) => providers.get(fetch) ?? fetch);
      if (split) return split.length === 1 ? split[0]! : { kind: 'Parallel', nodes: split };
      return providers.get(node) ?? node;
    }
    case 'Flatten': {
      const split = node.node.kind === 'Fetch' ? replacements.get(node.node)?.map((fetch) => providers.get(fetch) ?? fetch) : undefined;
      // One Flatten per fetch of the split, side by side: each merges at the same place.
      if (split && split.length > 1) return { kind: 'Parallel', nodes: split.map((fetch) => ({ ...node, node: fetch })) };
      return { ...node, node: again(node.node) };
    }
    case 'Sequence':
    case 'Parallel':
      return { ...node, nodes: node.nodes.map(again) };
    case 'Condition':
      return { ...node, ...(node.ifClause ? { ifClause: again(node.ifClause) } : {}), ...(node.elseClause ? { elseClause: again(node.elseClause) } : {}) };
    case 'Defer':
      return {
        ...node,
        primary: { ...node.primary, ...(node.primary.node ? { node: again(node.primary.node) } : {}) },
        deferred: node.deferred.map((deferred) => ({ ...deferred, ...(deferred.node ? { node: again(deferred.node) } : {}) })),
      };
  }
}
