// The cost of an operation, as the cost spec defines it (IBM's GraphQL cost directive spec, the
// model Apollo Router's demand control follows), from the supergraph's `@cost` and `@listSize`:
//
// - a field costs its `@cost(weight:)`, else its type's `@cost`, else 1 for an object, interface or
//   union, 0 for a scalar or an enum, and 10 for a root mutation field (a write);
// - plus what its selection costs, the whole times the size of the list it returns: the largest
//   slicing argument given, else `assumedSize`, else the configured default list size (a
//   connection's `sizedFields` take the size of their parent's slicing arguments);
// - plus the `@cost` of each argument (and input object field) the operation gives.
//
// Fragments, inline fragments and aliases are merged as execution merges them (a field asked twice
// under one response key costs once); on an abstract type, the costliest possible type counts.
// `@skip`/`@include` are honoured. The actual cost is the same sum over the response: each list at
// the length it was returned, each object as the type it was (`__typename`, else the costliest).
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLAbstractType,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLInputType,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
import { graphqlRuntime } from './graphql.ts';

import { ErrorCode } from '../errors.ts';
import type { CostDirectives, ListSize } from './cost-directives.ts';

const {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isObjectType,
  valueFromAST,
} = graphqlRuntime;

export interface CostSettings {
  /** The size assumed for a list field without `@listSize` (or whose slicing arguments are not given). */
  readonly defaultListSize: number;
}

/** The default weight of a root mutation field (the spec's). */
export const MUTATION_FIELD_WEIGHT = 10;

/** An operation whose cost cannot be estimated as written (a `@listSize` rule it breaks): HTTP 400. */
export class CostEstimationError extends Error {
  readonly code = ErrorCode.costSlicingArgumentRequired;
  constructor(
    message: string,
    readonly coordinate: string,
  ) {
    super(message);
  }
}

/** A variable whose value does not coerce to its type: execution refuses the request, nothing to estimate. */
export class InvalidVariablesError extends Error {
  constructor(readonly variable: string) {
    super(`variable $${variable} does not coerce to its type`);
  }
}

type Variables = Readonly<Record<string, unknown>>;
type FieldGroups = Map<string, FieldNode[]>;

interface Walk {
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Variables;
}

const fragmentsOf = (document: DocumentNode): Map<string, FragmentDefinitionNode> =>
  new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((definition) => [definition.name.value, definition]),
  );

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface CostModel {
  /** The estimated cost of an operation with these variables; throws CostEstimationError. */
  estimate(document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): number;
  /** The actual cost of a response's `data` to that operation. */
  actual(document: DocumentNode, operation: OperationDefinitionNode, variables: Variables, data: unknown): number;
  /**
   * The variables an operation's estimate depends on (the ones given to slicing or weighted
   * arguments, to `@skip`/`@include`, and, when the schema weighs input fields, input objects):
   * an estimate is cached per operation and the values of these.
   */
  costVariables(document: DocumentNode, operation: OperationDefinitionNode): readonly string[];
}

export function createCostModel(schema: GraphQLSchema, directives: CostDirectives, settings: CostSettings): CostModel {
  const mutationType = schema.getMutationType();

  /** A directive on the field, else on the same field of an interface the type implements. */
  const onField = <T>(type: GraphQLObjectType, field: string, read: (type: string, field: string) => T | undefined): T | undefined => {
    const own = read(type.name, field);
    if (own !== undefined) return own;
    for (const implemented of type.getInterfaces()) {
      const inherited = read(implemented.name, field);
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  };

  const included = (node: { readonly directives?: readonly unknown[] | undefined } & Parameters<typeof getDirectiveValues>[1], variables: Variables): boolean => {
    if (!node.directives?.length) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.['if'] === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.['if'] !== false;
  };

  const applies = (condition: string | undefined, type: GraphQLObjectType): boolean => {
    if (!condition || condition === type.name) return true;
    const named = schema.getType(condition);
    return named !== undefined && isAbstractType(named) && schema.isSubType(named, type);
  };

  /** The fields a concrete type answers under each response key (graphql-js's CollectFields). */
  const collect = (walk: Walk, sets: readonly SelectionSetNode[], type: GraphQLObjectType, groups: FieldGroups = new Map(), visited = new Set<string>()): FieldGroups => {
    for (const set of sets) {
      for (const selection of set.selections) {
        if (!included(selection, walk.variables)) continue;
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          const group = groups.get(key);
          if (group) group.push(selection);
          else groups.set(key, [selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (applies(selection.typeCondition?.name.value, type)) collect(walk, [selection.selectionSet], type, groups, visited);
        } else {
          const name = selection.name.value;
          const fragment = walk.fragments.get(name);
          if (visited.has(name) || !fragment) continue;
          visited.add(name);
          if (applies(fragment.typeCondition.name.value, type)) collect(walk, [fragment.selectionSet], type, groups, visited);
        }
      }
    }
    return groups;
  };

  const concreteTypes = (type: GraphQLCompositeType): readonly GraphQLObjectType[] => (isObjectType(type) ? [type] : schema.getPossibleTypes(type as GraphQLAbstractType));

  /**
   * A field's own weight: `@cost` on it, 10 for a root mutation field, a leaf type's `@cost` (else 0).
   * A composite field without one of its own is weighed by the objects it returns (`typed`): each
   * costs its type's `@cost`, else 1, known only per concrete type (see estimateSelection).
   */
  const ownCostOf = (parent: GraphQLObjectType, definition: GraphQLField<unknown, unknown>): { readonly own: number; readonly typed: boolean } => {
    const fieldWeight = onField(parent, definition.name, directives.fieldWeight);
    if (fieldWeight !== undefined) return { own: fieldWeight, typed: false };
    if (parent === mutationType) return { own: MUTATION_FIELD_WEIGHT, typed: false };
    const named = getNamedType(definition.type);
    return isCompositeType(named) ? { own: 0, typed: true } : { own: directives.typeWeight(named.name) ?? 0, typed: false };
  };
  const objectWeight = (type: GraphQLObjectType): number => directives.typeWeight(type.name) ?? 1;

  const inputCost = (type: GraphQLInputType, value: unknown): number => {
    const nullable = getNullableType(type);
    if (isListType(nullable))
      return Array.isArray(value) ? value.reduce((sum: number, item: unknown) => sum + inputCost(nullable.ofType, item), 0) : inputCost(nullable.ofType, value);
    if (!isInputObjectType(nullable) || !isRecord(value)) return 0;
    let cost = 0;
    for (const [name, field] of Object.entries(nullable.getFields())) {
      if (!(name in value)) continue;
      cost += (directives.inputFieldWeight(nullable.name, name) ?? 0) + inputCost(field.type, value[name]);
    }
    return cost;
  };

  /** Argument values as execution sees them, one by one: a value that does not coerce (execution refuses it) is left out, not the rest. */
  const argumentsOf = (definition: GraphQLField<unknown, unknown>, node: FieldNode, variables: Variables): Record<string, unknown> => {
    const values: Record<string, unknown> = {};
    for (const argument of definition.args) {
      const given = node.arguments?.find((entry) => entry.name.value === argument.name);
      const fromVariable = given?.value.kind === Kind.VARIABLE ? given.value.name.value : undefined;
      if (!given || (fromVariable !== undefined && !(fromVariable in variables))) {
        if (argument.defaultValue !== undefined) values[argument.name] = argument.defaultValue;
        continue;
      }
      const value = fromVariable !== undefined ? variables[fromVariable] : valueFromAST(given.value, argument.type, variables);
      if (value !== undefined) values[argument.name] = value;
    }
    return values;
  };

  const argumentCost = (parent: GraphQLObjectType, definition: GraphQLField<unknown, unknown>, values: Record<string, unknown>): number => {
    let cost = 0;
    for (const argument of definition.args) {
      if (!(argument.name in values)) continue;
      cost += (onField(parent, definition.name, (type, field) => directives.argumentWeight(type, field, argument.name)) ?? 0) + inputCost(argument.type, values[argument.name]);
    }
    return cost;
  };

  const pathValue = (values: Record<string, unknown>, path: string): unknown =>
    path.split('.').reduce<unknown>((value, segment) => (isRecord(value) ? value[segment] : undefined), values);

  /** The size `@listSize` gives a field's list, or undefined (the default list size then). */
  const sizeOf = (coordinate: string, listSize: ListSize | undefined, values: Record<string, unknown>): number | undefined => {
    if (!listSize) return undefined;
    if (listSize.slicingArguments.length > 0) {
      const given = listSize.slicingArguments.map((path) => pathValue(values, path)).filter((value): value is number => typeof value === 'number');
      if (listSize.requireOneSlicingArgument && given.length !== 1) {
        throw new CostEstimationError(
          `${coordinate} needs exactly one of its slicing arguments (${listSize.slicingArguments.join(', ')}) to estimate its cost; it was given ${given.length}.`,
          coordinate,
        );
      }
      if (given.length > 0) return Math.max(...given);
    }
    return listSize.assumedSize;
  };

  const isListField = (definition: GraphQLField<unknown, unknown>) => isListType(getNullableType(definition.type));

  interface FieldPlan {
    readonly definition: GraphQLField<unknown, unknown>;
    readonly own: number;
    /** Each object returned adds its type's weight. */
    readonly typed: boolean;
    readonly arguments: number;
    readonly size: number | undefined;
    /** Sizes handed to child fields by `sizedFields`. */
    readonly childSizes: ReadonlyMap<string, number>;
    readonly sub: readonly SelectionSetNode[];
  }

  const planField = (walk: Walk, parent: GraphQLObjectType, nodes: readonly FieldNode[]): FieldPlan | undefined => {
    const first = nodes[0]!;
    const name = first.name.value;
    if (name.startsWith('__')) return undefined; // __typename and introspection
    const definition = parent.getFields()[name];
    if (!definition) return undefined;
    const values = argumentsOf(definition, first, walk.variables);
    const listSize = onField(parent, name, directives.listSize);
    const size = sizeOf(`${parent.name}.${name}`, listSize, values);
    const childSizes = new Map<string, number>(size !== undefined ? (listSize?.sizedFields ?? []).map((child) => [child, size]) : []);
    return {
      definition,
      ...ownCostOf(parent, definition),
      arguments: argumentCost(parent, definition, values),
      size,
      childSizes,
      sub: nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
    };
  };

  const estimateSelection = (walk: Walk, sets: readonly SelectionSetNode[], type: GraphQLCompositeType, sizes: ReadonlyMap<string, number>, typed: boolean): number => {
    let costliest = 0;
    for (const concrete of concreteTypes(type)) {
      let cost = typed ? objectWeight(concrete) : 0;
      for (const nodes of collect(walk, sets, concrete).values()) {
        const plan = planField(walk, concrete, nodes);
        if (!plan) continue;
        const named = getNamedType(plan.definition.type);
        const children = plan.sub.length > 0 && isCompositeType(named) ? estimateSelection(walk, plan.sub, named, plan.childSizes, plan.typed) : plan.typed ? 1 : 0;
        const instances = isListField(plan.definition) ? (sizes.get(plan.definition.name) ?? plan.size ?? settings.defaultListSize) : 1;
        cost += instances * (plan.own + children) + plan.arguments;
      }
      costliest = Math.max(costliest, cost);
    }
    return costliest;
  };

  const items = (value: unknown): unknown[] => (Array.isArray(value) ? value.flatMap(items) : value === null || value === undefined ? [] : [value]);

  const actualSelection = (walk: Walk, sets: readonly SelectionSetNode[], type: GraphQLCompositeType, value: unknown, typed: boolean): number => {
    if (!isRecord(value)) return 0;
    const typename = typeof value['__typename'] === 'string' ? schema.getType(value['__typename']) : undefined;
    const candidates = typename && isObjectType(typename) ? [typename] : concreteTypes(type);
    let costliest = 0;
    for (const concrete of candidates) {
      let cost = typed ? objectWeight(concrete) : 0;
      for (const [key, nodes] of collect(walk, sets, concrete)) {
        if (!(key in value)) continue;
        const plan = planField(walk, concrete, nodes);
        if (!plan) continue;
        const named = getNamedType(plan.definition.type);
        const answered = value[key];
        const each = (item: unknown) => plan.own + (plan.sub.length > 0 && isCompositeType(named) ? actualSelection(walk, plan.sub, named, item, plan.typed) : 0);
        // A list costs each element returned; a single field its own weight once, answered or null
        // (its resolver ran), and the object it returned (none when null).
        cost += (isListField(plan.definition) ? items(answered).reduce((sum: number, item) => sum + each(item), 0) : each(answered)) + plan.arguments;
      }
      costliest = Math.max(costliest, cost);
    }
    return costliest;
  };

  const rootType = (operation: OperationDefinitionNode): GraphQLObjectType | undefined | null => schema.getRootType(operation.operation);
  /**
   * The variables as execution sees them (coerced, defaults applied). A variable given a value that
   * does not coerce is execution's to refuse (400 BAD_USER_INPUT): InvalidVariablesError, no
   * estimate. One absent without a default stays absent (schema:check gives only page sizes).
   */
  const coerced = (operation: OperationDefinitionNode, variables: Variables): Variables => {
    const values: Record<string, unknown> = {};
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      const given = name in variables;
      const result = getVariableValues(schema, [definition], given ? { [name]: variables[name] } : {});
      if (result.errors) {
        if (given) throw new InvalidVariablesError(name);
        continue;
      }
      if (name in result.coerced) values[name] = result.coerced[name];
    }
    return values;
  };

  return {
    estimate(document, operation, variables) {
      const root = rootType(operation);
      if (!root) return 0;
      return estimateSelection({ fragments: fragmentsOf(document), variables: coerced(operation, variables) }, [operation.selectionSet], root, new Map(), false);
    },
    actual(document, operation, variables, data) {
      const root = rootType(operation);
      if (!root) return 0;
      return actualSelection({ fragments: fragmentsOf(document), variables: coerced(operation, variables) }, [operation.selectionSet], root, data, false);
    },
    costVariables(document, operation) {
      const names = new Set<string>();
      const variablesIn = (value: ValueNode): void => {
        if (value.kind === Kind.VARIABLE) names.add(value.name.value);
        else if (value.kind === Kind.LIST) value.values.forEach(variablesIn);
        else if (value.kind === Kind.OBJECT) value.fields.forEach((field) => variablesIn(field.value));
      };
      const visit = (set: SelectionSetNode): void => {
        for (const selection of set.selections) {
          for (const directive of selection.directives ?? []) directive.arguments?.forEach((argument) => variablesIn(argument.value));
          if (selection.kind === Kind.FIELD) {
            for (const argument of selection.arguments ?? []) if (directives.costArguments.has(argument.name.value)) variablesIn(argument.value);
          }
          if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) visit(selection.selectionSet);
        }
      };
      visit(operation.selectionSet);
      for (const fragment of fragmentsOf(document).values()) visit(fragment.selectionSet);
      if (directives.weighsInputFields) {
        for (const definition of operation.variableDefinitions ?? []) {
          let type = definition.type;
          while (type.kind !== Kind.NAMED_TYPE) type = type.type;
          const named = schema.getType(type.name.value);
          if (named && isInputObjectType(named)) names.add(definition.variable.name.value);
        }
      }
      return [...names].sort();
    },
  };
}
