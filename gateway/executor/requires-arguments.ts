// @requires with arguments (`@requires(fields: "comments(limit: 3) { authorId }")`): the query
// planner fetches a required field under its own name, so when the operation selects that field
// under the same response name with other arguments (`comments(limit: 1)`), @apollo/query-planner
// 2.14 merges the two and the client gets the required arguments' answer. Before planning, such a
// selection gets an alias of its own; the planner then fetches both, and the shaper and error
// paths give the client its response name back.
import type { Supergraph } from '@apollo/federation-internals';
import type { DocumentNode, FieldNode, GraphQLCompositeType, GraphQLSchema, SelectionSetNode } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { Kind, TypeInfo, getNamedType, isAbstractType, isCompositeType, parse, print, visit, visitWithTypeInfo } = graphqlRuntime;

/** Type name -> field name -> the arguments (printed) some @requires selects it with. */
export type RequiredArguments = ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;

const argumentsOf = (field: FieldNode) => (field.arguments ?? []).map(print).sort().join(', ');

/** The fields that @requires selections of the supergraph select with arguments, at any depth. */
export function requiredArgumentsOf(supergraph: Supergraph, schema: GraphQLSchema): RequiredArguments {
  const found = new Map<string, Map<string, Set<string>>>();
  const record = (typeName: string, field: FieldNode) => {
    const byField = found.get(typeName) ?? new Map<string, Set<string>>();
    found.set(typeName, byField);
    const variants = byField.get(field.name.value) ?? new Set<string>();
    byField.set(field.name.value, variants);
    variants.add(argumentsOf(field));
  };
  const walk = (type: GraphQLCompositeType, selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (condition && isCompositeType(condition)) walk(condition, selection.selectionSet);
      } else if (selection.kind === Kind.FIELD) {
        if (selection.arguments && selection.arguments.length > 0) record(type.name, selection);
        const definition = 'getFields' in type ? type.getFields()[selection.name.value] : undefined;
        const fieldType = definition ? getNamedType(definition.type) : undefined;
        if (selection.selectionSet && fieldType && isCompositeType(fieldType)) walk(fieldType, selection.selectionSet);
      }
    }
  };
  const joinField = supergraph.schema.directives().find((directive) => directive.name === 'join__field');
  for (const application of joinField?.applications() ?? []) {
    const requires: unknown = application.arguments()['requires'];
    if (typeof requires !== 'string' || !requires.includes('(')) continue;
    const typeName = (application.parent as { parent?: { name?: string } }).parent?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    if (!type || !isCompositeType(type)) continue;
    const definition = parse(`{ ${requires} }`).definitions[0];
    if (definition?.kind === Kind.OPERATION_DEFINITION) walk(type, definition.selectionSet);
  }
  return found;
}

export interface AliasedOperation {
  readonly document: DocumentNode;
  /** Alias given here -> the client's response name. */
  readonly responseNames: ReadonlyMap<string, string>;
}

/**
 * The document with an alias on each selection whose response name is a field that a @requires
 * of its parent type selects with arguments, unless it is that very field with the one set of
 * arguments every @requires uses. Undefined when nothing needs one.
 */
export function aliasRequiredArgumentConflicts(document: DocumentNode, apiSchema: GraphQLSchema, required: RequiredArguments): AliasedOperation | undefined {
  if (required.size === 0) return undefined;
  const responseNames = new Map<string, string>();
  const aliasFor = (responseName: string) => {
    for (const [alias, original] of responseNames) if (original === responseName) return alias;
    // A name no client selection uses (aliases are checked against the document's own names).
    let alias = `_requiresArgs_${responseName}`;
    while (printedDocument().includes(alias)) alias = `${alias}_`;
    responseNames.set(alias, responseName);
    return alias;
  };
  let printed: string | undefined;
  const printedDocument = () => (printed ??= print(document));
  const variantsAt = (parent: GraphQLCompositeType, responseName: string): Set<string> | undefined => {
    const types = isAbstractType(parent) ? apiSchema.getPossibleTypes(parent) : [parent];
    let variants: Set<string> | undefined;
    for (const type of types) {
      const found = required.get(type.name)?.get(responseName);
      if (found) for (const variant of found) (variants ??= new Set()).add(variant);
    }
    return variants;
  };
  const typeInfo = new TypeInfo(apiSchema);
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return undefined;
        const responseName = node.alias?.value ?? node.name.value;
        const variants = variantsAt(parent, responseName);
        if (!variants) return undefined;
        if (node.name.value === responseName && variants.size === 1 && variants.has(argumentsOf(node))) return undefined;
        return { ...node, alias: { kind: Kind.NAME, value: aliasFor(responseName) } };
      },
    }),
  );
  return responseNames.size > 0 ? { document: rewritten, responseNames } : undefined;
}
