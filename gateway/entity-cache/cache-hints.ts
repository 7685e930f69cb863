// What the subgraphs declare about caching, read from the supergraph as data (as
// gateway/subscriptions/event-fields.ts reads `@event`): Apollo's `@cacheControl(maxAge, scope,
// inheritMaxAge)` for how long a value may be reused and by whom, and our `@cacheInvalidation(topic,
// idField, lists)` for which events drop it. Both come from https://commerce-supergraph.dev/cache/v0.1, kept
// in the supergraph by `@composeDirective`. The gateway knows no type, field or topic by name.
import type {
  ConstDirectiveNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { Kind, parse, valueFromASTUntyped, buildASTSchema, getNamedType, isCompositeType, isAbstractType, isObjectType } = graphqlRuntime;

export const CACHE_SPEC_URL = 'https://commerce-supergraph.dev/cache/v0.1';

export type CacheScope = 'PUBLIC' | 'PRIVATE';

export interface CachePolicy {
  /** Seconds; 0: not cacheable. */
  readonly maxAge: number;
  readonly scope: CacheScope;
}

interface Hint {
  readonly maxAge?: number;
  readonly scope?: CacheScope;
  readonly inheritMaxAge?: boolean;
}

/** An entity type whose cached values a topic's messages drop. */
export interface Invalidation {
  readonly topic: string;
  readonly type: string;
  /** Payload field holding the entity's key. */
  readonly idField: string;
  /** The topic's messages may change which lists hold the entity (one created, published or withdrawn): every kept list of the type goes too. */
  readonly lists: boolean;
}

/** How one subgraph fetch may be cached, worked out once per document. */
export interface FetchShape {
  /** Root fields (`Query.<field>`) or the entities of a representation list (`_entities`). */
  readonly kind: 'root' | 'entities';
  readonly policy: CachePolicy;
  /** The metrics label of a root fetch: its root fields. */
  readonly label: string;
  /** The tags of a root fetch's `data`, or of one entity (`kind: entities`) fetched for `representation`. */
  tagsOf(value: unknown, representation?: Readonly<Record<string, unknown>>): Set<string>;
}

export interface CacheHints {
  readonly invalidations: readonly Invalidation[];
  /** Topics to consume. */
  readonly topics: readonly string[];
  /** The shape of a subgraph fetch, or undefined when it may not be cached (a mutation, a part without hint). */
  shapeOf(document: string): FetchShape | undefined;
  /** Tags of the entities a response holds (a mutation's result: what it changed). */
  entityTagsOf(document: string, data: unknown): Set<string>;
}

/** `Type:id` for one entity, `Type` for values of the type whose key was not selected (any event of the type drops them). */
export const entityTag = (type: string, id: string | undefined) => (id === undefined ? type : `${type}:${id}`);

/** `Type[]` for every value holding a list that may hold entities of the type, whichever it holds now (an empty one too). */
export const listTag = (type: string) => `${type}[]`;

const argumentsOf = (directive: ConstDirectiveNode): Record<string, unknown> =>
  Object.fromEntries((directive.arguments ?? []).map((argument) => [argument.name.value, valueFromASTUntyped(argument.value)]));

/** The local names of the spec's directives in this supergraph (an `@link` import may rename them). */
function directiveNames(document: DocumentNode): { control?: string; invalidation?: string } {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = argumentsOf(directive);
      if (args['url'] !== CACHE_SPEC_URL) continue;
      const imports = Array.isArray(args['import']) ? (args['import'] as unknown[]) : [];
      const local = (name: string, fallback: string): string => {
        for (const entry of imports) {
          if (entry === `@${name}`) return name;
          if (entry && typeof entry === 'object' && (entry as { name?: unknown }).name === `@${name}`) {
            const as = (entry as { as?: unknown }).as;
            return typeof as === 'string' ? as.replace(/^@/, '') : name;
          }
        }
        return fallback;
      };
      return { control: local('cacheControl', 'cache__cacheControl'), invalidation: local('cacheInvalidation', 'cache__cacheInvalidation') };
    }
  }
  return {};
}

const scopeOf = (value: unknown): CacheScope | undefined => (value === 'PRIVATE' || value === 'PUBLIC' ? value : undefined);

function hintOf(directives: readonly ConstDirectiveNode[] | undefined, name: string | undefined): Hint | undefined {
  const directive = name ? directives?.find((candidate) => candidate.name.value === name) : undefined;
  if (!directive) return undefined;
  const args = argumentsOf(directive);
  const maxAge = typeof args['maxAge'] === 'number' && args['maxAge'] >= 0 ? args['maxAge'] : undefined;
  return {
    ...(maxAge !== undefined ? { maxAge } : {}),
    ...(scopeOf(args['scope']) ? { scope: scopeOf(args['scope']) } : {}),
    ...(args['inheritMaxAge'] === true ? { inheritMaxAge: true } : {}),
  };
}

/** The single-field `@key` of an entity type, from its `@join__type` applications. */
function keyFieldOf(type: GraphQLObjectType): string | undefined {
  for (const directive of type.astNode?.directives ?? []) {
    if (directive.name.value !== 'join__type') continue;
    const key = argumentsOf(directive)['key'];
    if (typeof key === 'string' && /^\s*[_A-Za-z]\w*\s*$/.test(key)) return key.trim();
  }
  return undefined;
}

const MAX_SHAPES = 2_000;

export function readCacheHints(supergraphSdl: string): CacheHints {
  const document = parse(supergraphSdl);
  const names = directiveNames(document);
  const schema: GraphQLSchema = buildASTSchema(document, { assumeValid: true, assumeValidSDL: true });
  const invalidations: Invalidation[] = [];
  const keyFields = new Map<string, string>();
  if (names.invalidation) {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type)) continue;
      const declared = (type.astNode?.directives ?? []).filter((directive) => directive.name.value === names.invalidation);
      if (declared.length === 0) continue;
      const keyField = keyFieldOf(type);
      if (!keyField) throw new Error(`${type.name} @${names.invalidation}: the type needs a single-field @key`);
      keyFields.set(type.name, keyField);
      for (const directive of declared) {
        const args = argumentsOf(directive);
        const topic = args['topic'];
        const idField = args['idField'];
        if (typeof topic !== 'string' || topic === '' || typeof idField !== 'string' || idField === '') {
          throw new Error(`${type.name} @${names.invalidation}: "topic" and "idField" are required`);
        }
        invalidations.push({ topic, type: type.name, idField, lists: args['lists'] === true });
      }
    }
  }
  const typeHint = (type: GraphQLCompositeType) => hintOf(type.astNode?.directives, names.control);
  // biome-ignore lint: graphql's field type is generic over its source and context
  const fieldHint = (field: GraphQLField<unknown, unknown>) => hintOf(field.astNode?.directives, names.control);

  const shapes = new Map<string, FetchShape | undefined>();

  /** Fields of a selection set that apply to `type`, fragments flattened. */
  function fieldsOf(selectionSet: SelectionSetNode, type: GraphQLCompositeType, fragments: ReadonlyMap<string, FragmentDefinitionNode>, into: FieldNode[] = []): FieldNode[] {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) into.push(selection);
      else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        const applies = condition === type || (condition !== undefined && isAbstractType(condition) && isObjectType(type) && schema.isSubType(condition, type));
        if (!applies) continue;
        fieldsOf(fragment.selectionSet, type, fragments, into);
      }
    }
    return into;
  }

  /** Apollo's rules: a field's hint, else its composite type's; a root or composite field with neither is uncacheable unless it inherits. */
  function restrict(policy: { maxAge: number; scope: CacheScope }, hint: Hint | undefined, needsMaxAge: boolean): void {
    if (hint?.maxAge !== undefined) policy.maxAge = Math.min(policy.maxAge, hint.maxAge);
    else if (needsMaxAge && !hint?.inheritMaxAge) policy.maxAge = 0;
    if (hint?.scope === 'PRIVATE') policy.scope = 'PRIVATE';
  }

  function walkPolicy(
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    policy: { maxAge: number; scope: CacheScope },
  ): boolean {
    // Abstract parents: each fragment on a concrete type is walked with that type.
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) return false;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        if (!condition || !isCompositeType(condition)) return false;
        if (!walkPolicy(fragment.selectionSet, condition, fragments, policy)) return false;
        continue;
      }
      const name = selection.name.value;
      if (name === '__typename') continue;
      if (isAbstractType(type) || !('getFields' in type)) return false;
      const field = type.getFields()[name];
      if (!field) return false;
      const named = getNamedType(field.type);
      const composite = isCompositeType(named);
      const merged: Hint = { ...(composite ? typeHint(named) : undefined), ...fieldHint(field) };
      restrict(policy, Object.keys(merged).length > 0 ? merged : undefined, composite);
      if (composite && selection.selectionSet && !walkPolicy(selection.selectionSet, named, fragments, policy)) return false;
    }
    return true;
  }

  /** Adds the list tag of every invalidated type a list of `type` with this selection can hold, at any depth (from the schema, not the data). */
  function listedTypes(
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    tags: Set<string>,
    seen: Set<string>,
  ): void {
    const concreteTypes = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
    for (const concrete of concreteTypes) {
      const visit = `${concrete.name}:${selectionSet.loc?.start ?? ''}`;
      if (seen.has(visit)) continue;
      seen.add(visit);
      if (keyFields.has(concrete.name)) tags.add(listTag(concrete.name));
      const definitions = concrete.getFields();
      for (const field of fieldsOf(selectionSet, concrete, fragments)) {
        const named = definitions[field.name.value] ? getNamedType(definitions[field.name.value]!.type) : undefined;
        if (named && field.selectionSet && isCompositeType(named)) listedTypes(field.selectionSet, named, fragments, tags, seen);
      }
    }
  }

  function collectTags(
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    value: unknown,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    tags: Set<string>,
    knownId?: string,
  ): void {
    if (Array.isArray(value)) {
      listedTypes(selectionSet, type, fragments, tags, new Set());
      for (const item of value) collectTags(selectionSet, type, item, fragments, tags);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    let concrete: GraphQLCompositeType = type;
    if (isAbstractType(type)) {
      const named = typeof object['__typename'] === 'string' ? schema.getType(object['__typename']) : undefined;
      if (!named || !isObjectType(named)) {
        // Unknown concrete type: every declared type could be in there.
        for (const invalidation of invalidations) tags.add(entityTag(invalidation.type, undefined));
        return;
      }
      concrete = named;
    }
    if (!isObjectType(concrete)) return;
    const fields = fieldsOf(selectionSet, concrete, fragments);
    const keyField = keyFields.get(concrete.name);
    if (keyField) {
      const keyNode = fields.find((field) => field.name.value === keyField);
      const id = knownId ?? (keyNode ? object[keyNode.alias?.value ?? keyField] : undefined);
      tags.add(entityTag(concrete.name, typeof id === 'string' || typeof id === 'number' ? String(id) : undefined));
    }
    const definitions = concrete.getFields();
    for (const field of fields) {
      const definition = definitions[field.name.value];
      if (!definition || !field.selectionSet) continue;
      const named = getNamedType(definition.type);
      if (isCompositeType(named)) collectTags(field.selectionSet, named, object[field.alias?.value ?? field.name.value], fragments, tags);
    }
  }

  const parsedOperation = (text: string): { operation: OperationDefinitionNode; fragments: Map<string, FragmentDefinitionNode> } | undefined => {
    let parsed: DocumentNode;
    try {
      parsed = parse(text);
    } catch {
      return undefined;
    }
    const operations = parsed.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) return undefined;
    const fragments = new Map(
      parsed.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    return { operation: operations[0] as OperationDefinitionNode, fragments };
  };

  function shape(text: string): FetchShape | undefined {
    const parsed = parsedOperation(text);
    if (!parsed || parsed.operation.operation !== 'query') return undefined;
    const { operation, fragments } = parsed;
    const query = schema.getQueryType();
    if (!query || operation.directives?.length) return undefined;
    const roots = fieldsOf(operation.selectionSet, query, fragments);
    if (roots.length === 0) return undefined;
    const policy = { maxAge: Number.POSITIVE_INFINITY, scope: 'PUBLIC' as CacheScope };
    const entities = roots.length === 1 && roots[0]?.name.value === '_entities' ? roots[0] : undefined;
    if (entities) {
      const selectionSet = entities.selectionSet;
      if (!selectionSet) return undefined;
      for (const selection of selectionSet.selections) {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : undefined;
        const type = fragment?.typeCondition ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (!fragment || !type || !isObjectType(type)) return undefined; // __typename alone, or an abstract condition
        restrict(policy, typeHint(type), true);
        if (!walkPolicy(fragment.selectionSet, type, fragments, policy)) return undefined;
      }
    } else if (!walkPolicy(operation.selectionSet, query, fragments, policy)) {
      return undefined;
    }
    if (!(policy.maxAge > 0) || !Number.isFinite(policy.maxAge)) return undefined;
    const label = entities ? '_entities' : `Query.${[...new Set(roots.map((root) => root.name.value))].sort().join(',')}`;
    return {
      kind: entities ? 'entities' : 'root',
      policy,
      label,
      tagsOf(value, representation) {
        const tags = new Set<string>();
        if (!entities) {
          collectTags(operation.selectionSet, query, value, fragments, tags);
          return tags;
        }
        const typename = representation?.['__typename'] ?? (value as Record<string, unknown> | null)?.['__typename'];
        const type = typeof typename === 'string' ? schema.getType(typename) : undefined;
        if (!type || !isObjectType(type)) return tags;
        // The representation names the entity even when the selection leaves its key out.
        const keyField = keyFields.get(type.name);
        const id = keyField ? representation?.[keyField] : undefined;
        const known = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
        if (entities.selectionSet) collectTags(entities.selectionSet, type, value, fragments, tags, known);
        return tags;
      },
    };
  }

  return {
    invalidations,
    topics: [...new Set(invalidations.map((invalidation) => invalidation.topic))].sort(),
    shapeOf(text) {
      if (shapes.has(text)) return shapes.get(text);
      const result = shape(text);
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(text, result);
      return result;
    },
    entityTagsOf(text, data) {
      const parsed = parsedOperation(text);
      const tags = new Set<string>();
      if (!parsed || invalidations.length === 0) return tags;
      const root = parsed.operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
      if (root) collectTags(parsed.operation.selectionSet, root, data, parsed.fragments, tags);
      return tags;
    },
  };
}
