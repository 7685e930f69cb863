// The response shaper of one operation, compiled once and cached with its plan. It gives exactly
// what @apollo/gateway's `computeResponse` gives (its resultShaping.js: the same walk, the same
// null propagation, the same errors), but everything that does not depend on the request is
// worked out at compile time: response names, @skip/@include conditions, field types, the
// selection of introspection fields, and type-condition answers (memoised per __typename).
import {
  ERRORS,
  Variable,
  assert,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  type CompositeType,
  type NamedType,
  type Operation,
  type Schema,
  type Selection,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError, SelectionNode } from 'graphql';

type Variables = Record<string, unknown>;
type Path = (string | number)[];

interface IfCondition {
  readonly skip: boolean;
  readonly variable: string | null;
  readonly constant: boolean;
  readonly description: () => string;
  /** A deferred fragment's label: the condition stops applying once that part is released. */
  readonly deferLabel?: string;
}

interface FieldStep {
  readonly kind: 'field';
  readonly conditions: readonly IfCondition[] | null;
  readonly responseName: string;
  /** The client's response name (the response name, unless the gateway gave the field an alias of its own). */
  readonly outputName: string;
  readonly isTypename: boolean;
  /** For __schema / __type: its selection, answered from the API schema. */
  readonly introspection: SelectionNode | null;
  readonly type: Type;
  readonly selectionSet: CompiledSelectionSet | null;
}

interface FragmentStep {
  readonly kind: 'fragment';
  readonly conditions: readonly IfCondition[] | null;
  readonly typeCondition: CompositeType | undefined;
  /** typename (or parent type name, prefixed with a NUL) -> whether the type condition applies. */
  readonly applies: Map<string, boolean>;
  readonly selectionSet: CompiledSelectionSet;
}

type Step = FieldStep | FragmentStep;
type CompiledSelectionSet = readonly Step[];

export type IntrospectionHandler = (selection: SelectionNode, variables: Variables | undefined) => unknown;

export interface ShapedResponse {
  readonly data: Record<string, unknown> | null;
  readonly errors: GraphQLError[];
}

export interface ResultShaper {
  /** `released`: the labels of the deferred fragments shaped too (with `withoutDeferred`). */
  shape(input: Record<string, unknown>, variables: Variables | undefined, introspect: IntrospectionHandler, released?: ReadonlySet<string>): ShapedResponse;
}

const BUBBLE = 1;
const OK = 0;

export interface ShaperOptions {
  /** Shape the primary response of an incremental delivery: leave `@defer` fragments out (but the released ones). */
  readonly withoutDeferred?: boolean;
  /** Aliases the gateway gave before planning -> the client's response names (requires-arguments.ts). */
  readonly responseNames?: ReadonlyMap<string, string>;
}

export function compileResultShaper(operation: Operation, options: ShaperOptions = {}): ResultShaper {
  const schema = operation.schema();
  const rootType = schema.schemaDefinition.rootType(operation.rootKind);
  assert(rootType, () => `no root type for ${operation.rootKind}`);
  const skipDirective = schema.skipDirective();
  const includeDirective = schema.includeDirective();
  const defaults = operation.collectDefaultedVariableValues();

  const conditionsOf = (selection: Selection): IfCondition[] | null => {
    const skip = selection.element.appliedDirectivesOf(skipDirective)[0];
    const include = selection.element.appliedDirectivesOf(includeDirective)[0];
    const conditions: IfCondition[] = [];
    const toCondition = (directive: { arguments(): Record<string, unknown>; toString(): string }, isSkip: boolean): IfCondition => {
      const ifArg: unknown = directive.arguments()['if'];
      return ifArg instanceof Variable
        ? { skip: isSkip, variable: ifArg.name, constant: false, description: () => `${String(ifArg)} of ${String(directive)}` }
        : { skip: isSkip, variable: null, constant: ifArg === true, description: () => String(directive) };
    };
    if (skip) conditions.push(toCondition(skip, true));
    if (include) conditions.push(toCondition(include, false));
    return conditions.length > 0 ? conditions : null;
  };

  const deferDirective = options.withoutDeferred ? schema.directive('defer') : undefined;
  const deferredIfOf = (selection: Selection): IfCondition | null => {
    if (!deferDirective) return null;
    const defer = selection.element.appliedDirectivesOf(deferDirective)[0] as { arguments(): Record<string, unknown>; toString(): string } | undefined;
    if (!defer) return null;
    const ifArg: unknown = defer.arguments()['if'];
    const label: unknown = defer.arguments()['label'];
    const deferLabel = typeof label === 'string' ? { deferLabel: label } : {};
    if (ifArg instanceof Variable) return { skip: true, variable: ifArg.name, constant: false, description: () => `${String(ifArg)} of ${String(defer)}`, ...deferLabel };
    return { skip: true, variable: null, constant: ifArg !== false, description: () => String(defer), ...deferLabel };
  };

  const compileSet = (selectionSet: SelectionSet): CompiledSelectionSet =>
    selectionSet.selections().map((selection): Step => {
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        return {
          kind: 'field',
          conditions: conditionsOf(selection),
          responseName: field.responseName(),
          outputName: options.responseNames?.get(field.responseName()) ?? field.responseName(),
          isTypename: field.name === typenameFieldName,
          introspection: field.definition.isSchemaIntrospectionField() ? selection.expandFragments().toSelectionNode() : null,
          type: field.definition.type as Type,
          selectionSet: selection.selectionSet ? compileSet(selection.selectionSet) : null,
        };
      }
      const deferredIf = deferredIfOf(selection);
      return {
        kind: 'fragment',
        // A primary shaper skips a deferred fragment as @skip would.
        conditions: deferredIf ? [...(conditionsOf(selection) ?? []), deferredIf] : conditionsOf(selection),
        typeCondition: selection.element.typeCondition,
        applies: new Map(),
        selectionSet: compileSet(selection.selectionSet),
      };
    });

  const compiled = compileSet(operation.selectionSet);
  return {
    shape(input, variables, introspect, released) {
      const run = new ShapingRun(schema, { __proto__: null, ...defaults, ...variables } as Variables, introspect, variables, released);
      const data = Object.create(null) as Record<string, unknown>;
      const result = run.applySelectionSet(input, compiled, data, [], rootType as CompositeType);
      return { data: result === BUBBLE ? null : data, errors: run.errors };
    },
  };
}

const getOwn = (object: Record<string, unknown>, key: string): unknown => (Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined);

function pathLastElementDescription(path: Path, currentType: Type, parentType: CompositeType): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${String(parentType)}.${element}` : `array element of type ${String(currentType)} at index ${element}`;
}

class ShapingRun {
  readonly errors: GraphQLError[] = [];
  // Out-parameters of updateOutputValue (read right after each call), so no result object per value.
  private invalid = false;
  private hasErrors = false;

  constructor(
    private readonly schema: Schema,
    private readonly variables: Variables,
    private readonly introspect: IntrospectionHandler,
    private readonly requestVariables: Variables | undefined,
    private readonly released: ReadonlySet<string> | undefined,
  ) {}

  private skipped(conditions: readonly IfCondition[] | null): boolean {
    if (conditions === null) return false;
    for (const condition of conditions) {
      if (condition.deferLabel !== undefined && this.released?.has(condition.deferLabel)) continue;
      let value = condition.constant;
      if (condition.variable !== null) {
        const given = this.variables[condition.variable];
        assert(given !== undefined && typeof given === 'boolean', () => `Unexpected value ${String(given)} for variable ${condition.description()}`);
        value = given;
      }
      if (condition.skip ? value : !value) return true;
    }
    return false;
  }

  private typeConditionApplies(step: FragmentStep, typename: unknown, parentType: CompositeType): boolean {
    const typeCondition = step.typeCondition;
    if (!typeCondition) return true;
    const key = typename ? (typename as string) : `\u0000${parentType.name}`;
    let applies = step.applies.get(key);
    if (applies === undefined) {
      if (typename) {
        const type = this.schema.type(typename as string);
        applies = !!type && isSubtype(typeCondition, type);
      } else {
        applies = isSubtype(typeCondition, parentType);
      }
      step.applies.set(key, applies);
    }
    return applies;
  }

  applySelectionSet(input: Record<string, unknown>, steps: CompiledSelectionSet, output: Record<string, unknown>, path: Path, parentType: CompositeType): number {
    for (const step of steps) {
      if (this.skipped(step.conditions)) continue;
      if (step.kind === 'field') {
        const responseName = step.responseName;
        const outputName = step.outputName;
        const outputValue = output[outputName];
        if (step.introspection !== null) {
          if (outputValue === undefined) output[outputName] = this.introspect(step.introspection, this.requestVariables);
          continue;
        }
        let inputValue = getOwn(input, responseName) ?? null;
        if (step.isTypename) {
          if (outputValue === undefined) {
            if (inputValue === null && responseName !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
            const type: NamedType | CompositeType = inputValue !== null && typeof inputValue === 'string' ? (this.schema.type(inputValue) ?? parentType) : parentType;
            if (!isObjectType(type)) return BUBBLE;
            output[outputName] = type.name;
          }
          continue;
        }
        path.push(outputName);
        const updated = this.updateOutputValue(outputValue, step.type, inputValue, step.selectionSet, path, parentType);
        const invalid = this.invalid;
        output[outputName] = updated;
        path.pop();
        if (invalid) return BUBBLE;
      } else {
        const typename = input[typenameFieldName];
        assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${String(typename)}`);
        if (this.typeConditionApplies(step, typename, parentType)) {
          const result = this.applySelectionSet(input, step.selectionSet, output, path, step.typeCondition ?? parentType);
          if (result === BUBBLE) return BUBBLE;
        }
      }
    }
    return OK;
  }

  private updateOutputValue(outputValue: unknown, type: Type, inputValue: unknown, steps: CompiledSelectionSet | null, path: Path, parentType: CompositeType): unknown {
    assert(inputValue !== undefined, 'Should not pass undefined for `inputValue` to this method');
    this.invalid = false;
    this.hasErrors = false;
    if (outputValue === null || (outputValue !== undefined && !steps)) return outputValue;
    if (isNonNullType(type)) {
      const updated = this.updateOutputValue(outputValue, type.ofType, inputValue, steps, path, parentType);
      if (updated === null) {
        if (!this.hasErrors) {
          this.errors.push(
            ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${pathLastElementDescription(path, type.ofType, parentType)}.`, { path: Array.from(path) }),
          );
        }
        this.invalid = true;
        this.hasErrors = true;
        return updated;
      }
      this.invalid = false;
      this.hasErrors = false;
      return updated;
    }
    if (inputValue === null) return null;
    if (isListType(type)) {
      assert(Array.isArray(inputValue), () => `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${String(type)}`);
      assert(outputValue === undefined || Array.isArray(outputValue), () => `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${String(type)}`);
      const inputList = inputValue as unknown[];
      const outputList = outputValue === undefined ? new Array<unknown>(inputList.length).fill(undefined) : (outputValue as unknown[]);
      assert(inputList.length === outputList.length, () => `[${String(inputList)}].length (${inputList.length}) !== [${String(outputList)}].length (${outputList.length})`);
      let shouldNullify = false;
      let hasErrors = false;
      const updated = new Array<unknown>(outputList.length);
      for (let index = 0; index < outputList.length; index++) {
        path.push(index);
        updated[index] = this.updateOutputValue(outputList[index], type.ofType, inputList[index], steps, path, parentType);
        path.pop();
        shouldNullify ||= this.invalid;
        hasErrors ||= this.hasErrors;
      }
      this.invalid = false;
      this.hasErrors = hasErrors;
      return shouldNullify ? null : updated;
    }
    if (isCompositeType(type)) {
      assert(steps, () => `Invalid empty selection set for composite type ${String(type)}`);
      assert(typeof inputValue === 'object', () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${String(type)}`);
      assert(
        outputValue === undefined || typeof outputValue === 'object',
        () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${String(type)}`,
      );
      const inputObject = inputValue as Record<string, unknown>;
      const inputTypename = inputObject[typenameFieldName];
      assert(inputTypename === undefined || typeof inputTypename === 'string', () => `Invalid non-string value ${String(inputTypename)} for __typename at ${String(path)}`);
      let objectType: CompositeType = type;
      if (inputTypename) {
        const typenameType = this.schema.type(inputTypename as string);
        if (!typenameType || !isCompositeType(typenameType)) {
          this.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${pathLastElementDescription(path, type, parentType)}.`, { path: Array.from(path) }));
          this.invalid = false;
          this.hasErrors = true;
          return null;
        }
        objectType = typenameType;
      }
      const outputObject = outputValue === undefined ? (Object.create(null) as Record<string, unknown>) : (outputValue as Record<string, unknown>);
      const result = this.applySelectionSet(inputObject, steps, outputObject, path, objectType);
      const hasErrors = result === BUBBLE;
      this.invalid = false;
      this.hasErrors = hasErrors;
      return hasErrors ? null : outputObject;
    }
    assert(outputValue === undefined, () => `Excepted output to be undefined but got ${String(type)} for type ${String(type)}`);
    const isValidValue = isValidLeafValue(this.schema, inputValue, type as Parameters<typeof isValidLeafValue>[2]);
    if (!isValidValue) {
      this.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${pathLastElementDescription(path, type, parentType)}.`, { path: Array.from(path) }));
    }
    this.invalid = false;
    this.hasErrors = !isValidValue;
    return isValidValue ? inputValue : null;
  }
}
