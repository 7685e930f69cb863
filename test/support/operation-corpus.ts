// Operations generated over a whole API schema, for comparing executors: for every root field, a
// deep selection of every field (to a depth), with aliases, a named fragment, inline fragments on
// every possible type of an interface or union, @include/@skip on variables, and variables for
// required arguments. Also: the field coordinates an operation reaches, by depth (where a test
// injects faults).
import type { GraphQLArgument, GraphQLField, GraphQLInputType, GraphQLNamedType, GraphQLObjectType, GraphQLSchema, GraphQLType } from 'graphql';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';

const {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  TypeInfo,
  parse,
  visit,
  visitWithTypeInfo,
} = graphqlRuntime;

export interface CorpusOperation {
  readonly name: string;
  readonly query: string;
  readonly operationName?: string;
  readonly variables: Record<string, unknown>;
}

/** A value of an input type, made up (the mock subgraphs accept anything well-typed). */
export function inputValueFor(type: GraphQLInputType, depth = 0): unknown {
  if (isNonNullType(type)) return inputValueFor(type.ofType, depth);
  if (isListType(type)) return [inputValueFor(type.ofType, depth)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) || depth < 1) value[field.name] = inputValueFor(field.type, depth + 1);
    }
    return value;
  }
  switch (getNamedType(type).name) {
    case 'Int':
      return 2;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'DateTime':
      return '2026-01-01T00:00:00.000Z';
    default:
      return 'value-1';
  }
}

/** Variables for an operation's variable definitions (every one given a value). */
export function variablesFor(schema: GraphQLSchema, query: string, operationName?: string): Record<string, unknown> {
  const document = parse(query);
  const variables: Record<string, unknown> = {};
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition' || (operationName && definition.name?.value !== operationName)) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      const type = graphqlRuntime.typeFromAST(schema, variable.type) as GraphQLInputType | undefined;
      if (type) variables[variable.variable.name.value] = inputValueFor(type);
    }
  }
  return variables;
}

class Generator {
  private variableCount = 0;
  readonly definitions: string[] = [];
  readonly variables: Record<string, unknown> = { yes: true, no: false };
  readonly fragments = new Map<string, string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxDepth: number,
  ) {}

  argumentsOf(field: GraphQLField<unknown, unknown>): string {
    const given = field.args
      .filter((argument: GraphQLArgument) => isNonNullType(argument.type) || ['first', 'limit'].includes(argument.name))
      .map((argument: GraphQLArgument) => {
        const name = `v${++this.variableCount}`;
        this.definitions.push(`$${name}: ${String(argument.type)}`);
        this.variables[name] = isNonNullType(argument.type) ? inputValueFor(argument.type) : 2;
        return `${argument.name}: $${name}`;
      });
    return given.length > 0 ? `(${given.join(', ')})` : '';
  }

  selection(type: GraphQLNamedType, depth: number, path: string): string {
    if (isAbstractType(type)) {
      const schemaTypes = this.possibleTypes(type);
      return `{ __typename ${schemaTypes.map((possible) => `... on ${possible.name} ${this.objectSelection(possible, depth, `${path}>${possible.name}`)}`).join(' ')} }`;
    }
    return this.objectSelection(type as GraphQLObjectType, depth, path);
  }

  private possibleTypes(type: GraphQLNamedType): readonly GraphQLObjectType[] {
    return isAbstractType(type) ? this.schema.getPossibleTypes(type) : [];
  }

  private objectSelection(type: GraphQLObjectType, depth: number, path: string): string {
    const fields = Object.values(type.getFields());
    const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)) && !field.args.some((argument) => isNonNullType(argument.type)));
    const composites = depth < this.maxDepth ? fields.filter((field) => !isLeafType(getNamedType(field.type))) : [];
    const parts: string[] = [];
    leaves.forEach((field, index) => {
      // Every third leaf behind a condition, the first one also under an alias.
      if (index === 0) parts.push(`alias_${field.name}: ${field.name}`);
      if (index % 3 === 1) parts.push(`${field.name} @include(if: $yes)`);
      else if (index % 3 === 2) parts.push(`${field.name} @skip(if: $no) skipped_${field.name}: ${field.name} @skip(if: $yes)`);
      else parts.push(field.name);
    });
    for (const field of composites) {
      parts.push(`${field.name}${this.argumentsOf(field)} ${this.selection(getNamedType(field.type), depth + 1, `${path}.${field.name}`)}`);
    }
    // A named fragment of the type's leaves, spread beside them (the selections merge).
    if (leaves.length > 0 && isObjectType(type)) {
      const fragmentName = `${type.name}Leaves`;
      if (!this.fragments.has(fragmentName))
        this.fragments.set(fragmentName, `fragment ${fragmentName} on ${type.name} { __typename ${leaves.map((field) => field.name).join(' ')} }`);
      parts.push(`...${fragmentName}`);
    }
    return `{ ${parts.join(' ')} }`;
  }
}

/** One query per root Query field, selecting down to `maxDepth`. */
export function generateOperations(schema: GraphQLSchema, maxDepth = 3): CorpusOperation[] {
  const query = schema.getQueryType();
  if (!query) return [];
  return Object.values(query.getFields())
    .filter((field) => !field.name.startsWith('_'))
    .map((field) => {
      const generator = new Generator(schema, maxDepth);
      const named = getNamedType(field.type);
      const rootArgs = generator.argumentsOf(field);
      const body = isLeafType(named) ? `${field.name}${rootArgs}` : `${field.name}${rootArgs} ${generator.selection(named, 1, field.name)}`;
      const definitions = ['$yes: Boolean!', '$no: Boolean!', ...generator.definitions];
      const name = `Generated_${field.name}`;
      const fragments = [...generator.fragments.values()].filter((fragment) => body.includes(`...${fragment.split(' ')[1]}`));
      return { name, operationName: name, query: [`query ${name}(${definitions.join(', ')}) { ${body} }`, ...fragments].join('\n'), variables: generator.variables };
    });
}

export interface Coordinate {
  readonly coordinate: string;
  readonly depth: number;
  readonly nonNull: boolean;
}

/** The `Type.field` coordinates an operation selects (introspection and __typename aside), with their depth. */
export function coordinatesOf(schema: GraphQLSchema, query: string): Coordinate[] {
  const typeInfo = new TypeInfo(schema);
  const found = new Map<string, Coordinate>();
  let depth = 0;
  visit(
    parse(query),
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          depth += 1;
          const parent = typeInfo.getParentType();
          const definition = typeInfo.getFieldDef();
          if (!parent || !definition || node.name.value.startsWith('__')) return;
          const nonNull = isNonNullType(definition.type as GraphQLType);
          // Interface fields are resolved on their object types: record those too.
          const owners = isInterfaceType(parent) ? [...schema.getPossibleTypes(parent).map((type) => type.name), parent.name] : [parent.name];
          for (const owner of owners) {
            const key = `${owner}.${node.name.value}`;
            if (!found.has(key)) found.set(key, { coordinate: key, depth, nonNull });
          }
        },
        leave() {
          depth -= 1;
        },
      },
      FragmentDefinition: { enter: () => void (depth = 0) },
    }),
  );
  return [...found.values()];
}
