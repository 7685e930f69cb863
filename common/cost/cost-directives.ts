// What a supergraph says an operation costs: its `@cost` and `@listSize` applications (the cost
// spec, https://specs.apollo.dev/cost/v0.1, which federation 2.9+ composes into the supergraph).
// Read once per supergraph from its SDL: the API schema clients query no longer carries them.
import type { ConstDirectiveNode, ConstValueNode, DocumentNode } from 'graphql';
import { graphqlRuntime } from './graphql.ts';

const { Kind, parse } = graphqlRuntime;

export interface ListSize {
  readonly assumedSize?: number;
  /** Argument names (or `input.first` paths) whose value is the size of the list returned. */
  readonly slicingArguments: readonly string[];
  /** Child fields the size applies to (a connection's `edges`), instead of the field itself. */
  readonly sizedFields: readonly string[];
  /** With slicing arguments: exactly one of them must be given. */
  readonly requireOneSlicingArgument: boolean;
}

export interface CostDirectives {
  /** `@cost` on an object, scalar or enum type. */
  typeWeight(type: string): number | undefined;
  /** `@cost` on a field (of an object or interface type). */
  fieldWeight(type: string, field: string): number | undefined;
  /** `@cost` on a field's argument. */
  argumentWeight(type: string, field: string, argument: string): number | undefined;
  /** `@cost` on an input object's field. */
  inputFieldWeight(type: string, field: string): number | undefined;
  listSize(type: string, field: string): ListSize | undefined;
  /** Names of the arguments a cost depends on the value of: slicing arguments (their first segment) and weighted ones. */
  readonly costArguments: ReadonlySet<string>;
  /** Whether any input object field is weighted (then an input object's content changes a cost). */
  readonly weighsInputFields: boolean;
}

export const COST_SPEC_URL = 'https://specs.apollo.dev/cost/';

const stringOf = (value: ConstValueNode | undefined): string | undefined => (value?.kind === Kind.STRING ? value.value : undefined);
const argumentOf = (directive: ConstDirectiveNode, name: string): ConstValueNode | undefined => directive.arguments?.find((argument) => argument.name.value === name)?.value;

/**
 * The names the supergraph gives the spec's directives: `@link(url: ".../cost/v0.1", as:, import:)`
 * may rename them; one not imported is `@<prefix>__listSize` (`@cost` is the spec's own name).
 */
function directiveNames(document: DocumentNode): { cost: string; listSize: string } {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link' || !stringOf(argumentOf(link, 'url'))?.startsWith(COST_SPEC_URL)) continue;
      const prefix = stringOf(argumentOf(link, 'as')) ?? 'cost';
      const imported = new Map<string, string>();
      const imports = argumentOf(link, 'import');
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        if (entry.kind === Kind.STRING) imported.set(entry.value, entry.value);
        if (entry.kind === Kind.OBJECT) {
          const name = stringOf(entry.fields.find((field) => field.name.value === 'name')?.value);
          const as = stringOf(entry.fields.find((field) => field.name.value === 'as')?.value);
          if (name) imported.set(name, as ?? name);
        }
      }
      const nameOf = (directive: string) => (imported.get(`@${directive}`) ?? (directive === 'cost' ? `@${prefix}` : `@${prefix}__${directive}`)).slice(1);
      return { cost: nameOf('cost'), listSize: nameOf('listSize') };
    }
  }
  return { cost: 'cost', listSize: 'listSize' };
}

const intOf = (value: ConstValueNode | undefined): number | undefined => (value?.kind === Kind.INT ? Number(value.value) : undefined);
const stringsOf = (value: ConstValueNode | undefined): string[] =>
  value?.kind === Kind.LIST ? value.values.flatMap((entry) => (entry.kind === Kind.STRING ? [entry.value] : [])) : value?.kind === Kind.STRING ? [value.value] : [];

/** Reads every `@cost` and `@listSize` of a supergraph (or any SDL using the spec). */
export function readCostDirectives(supergraphSdl: string | DocumentNode): CostDirectives {
  const document = typeof supergraphSdl === 'string' ? parse(supergraphSdl, { noLocation: true }) : supergraphSdl;
  const names = directiveNames(document);
  const types = new Map<string, number>();
  const fields = new Map<string, number>();
  const argumentsByField = new Map<string, number>();
  const inputFields = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const weightOf = (directives: readonly ConstDirectiveNode[] | undefined): number | undefined => {
    const cost = directives?.find((directive) => directive.name.value === names.cost);
    return cost ? intOf(argumentOf(cost, 'weight')) : undefined;
  };
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION: {
        const type = definition.name.value;
        const weight = weightOf(definition.directives);
        if (weight !== undefined) types.set(type, weight);
        for (const field of definition.fields ?? []) {
          const coordinate = `${type}.${field.name.value}`;
          const fieldWeight = weightOf(field.directives);
          if (fieldWeight !== undefined) fields.set(coordinate, fieldWeight);
          for (const argument of field.arguments ?? []) {
            const argumentWeight = weightOf(argument.directives);
            if (argumentWeight !== undefined) argumentsByField.set(`${coordinate}(${argument.name.value}:)`, argumentWeight);
          }
          const listSize = field.directives?.find((directive) => directive.name.value === names.listSize);
          if (listSize) {
            const assumedSize = intOf(argumentOf(listSize, 'assumedSize'));
            const requireOne = argumentOf(listSize, 'requireOneSlicingArgument');
            listSizes.set(coordinate, {
              ...(assumedSize !== undefined ? { assumedSize } : {}),
              slicingArguments: stringsOf(argumentOf(listSize, 'slicingArguments')),
              sizedFields: stringsOf(argumentOf(listSize, 'sizedFields')),
              // The spec's default is true.
              requireOneSlicingArgument: requireOne?.kind === Kind.BOOLEAN ? requireOne.value : true,
            });
          }
        }
        break;
      }
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        for (const field of definition.fields ?? []) {
          const weight = weightOf(field.directives);
          if (weight !== undefined) inputFields.set(`${definition.name.value}.${field.name.value}`, weight);
        }
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION: {
        const weight = weightOf(definition.directives);
        if (weight !== undefined) types.set(definition.name.value, weight);
        break;
      }
      default:
        break;
    }
  }
  return {
    typeWeight: (type) => types.get(type),
    fieldWeight: (type, field) => fields.get(`${type}.${field}`),
    argumentWeight: (type, field, argument) => argumentsByField.get(`${type}.${field}(${argument}:)`),
    inputFieldWeight: (type, field) => inputFields.get(`${type}.${field}`),
    listSize: (type, field) => listSizes.get(`${type}.${field}`),
    costArguments: new Set([
      ...[...listSizes.values()].flatMap((listSize) => listSize.slicingArguments.map((path) => path.split('.')[0]!)),
      ...[...argumentsByField.keys()].map((coordinate) => coordinate.slice(coordinate.indexOf('(') + 1, -2)),
    ]),
    weighsInputFields: inputFields.size > 0,
  };
}
