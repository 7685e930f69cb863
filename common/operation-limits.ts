// The shape limits of an operation (depth, aliases, directives, page size): pure, so the gateway
// enforces them at run time and `npm run schema:check` reports every shipped operation against them
// before release. What an operation costs is the supergraph's to say (@cost, @listSize): common/cost/.
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { ErrorCode } from './errors.ts';

export interface OperationLimits {
  readonly maxDepth: number;
  /** Enforced by the parser itself (graphql-js `maxTokens`), before anything else. */
  readonly maxTokens: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxPageSize: number;
}

export interface OperationShape {
  readonly depth: number;
  readonly aliases: number;
  readonly directives: number;
  readonly largestPage: number;
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);

function numberOf(value: ValueNode, variables: Record<string, unknown>): number | undefined {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const bound = variables[value.name.value];
    return typeof bound === 'number' ? bound : undefined;
  }
  return undefined;
}

/**
 * Measures an operation before it runs: nesting depth, aliases, directives and the largest page it
 * asks for. Fragments are followed (once per path).
 */
export function measureOperation(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let aliases = 0;
  let directives = operation.directives?.length ?? 0;
  let largestPage = 0;

  const walk = (selectionSet: SelectionSetNode, depth: number, visiting: ReadonlySet<string>): number => {
    let deepest = depth;
    for (const selection of selectionSet.selections) {
      directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        deepest = Math.max(deepest, field(selection, depth, visiting));
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
        if (!fragment || (name && visiting.has(name))) continue;
        deepest = Math.max(deepest, walk(fragment.selectionSet, depth, name ? new Set([...visiting, name]) : visiting));
      }
    }
    return deepest;
  };

  const field = (node: FieldNode, depth: number, visiting: ReadonlySet<string>): number => {
    if (node.alias) aliases += 1;
    if (node.name.value.startsWith('__')) return depth; // introspection and __typename
    for (const argument of node.arguments ?? []) {
      if (!PAGE_ARGUMENTS.has(argument.name.value)) continue;
      const size = numberOf(argument.value, variables);
      if (size !== undefined) largestPage = Math.max(largestPage, size);
    }
    if (!node.selectionSet) return depth + 1;
    return walk(node.selectionSet, depth + 1, visiting);
  };

  return { depth: walk(operation.selectionSet, 0, new Set()), aliases, directives, largestPage };
}

export interface LimitBreach {
  readonly code: ErrorCode;
  readonly message: string;
  readonly limit: number;
  readonly actual: number;
}

/** The first limit an operation breaks, if any, with the code clients can act on. */
export function breachOf(shape: OperationShape, limits: OperationLimits): LimitBreach | null {
  const checks: [number, number, ErrorCode, string][] = [
    [shape.largestPage, limits.maxPageSize, ErrorCode.pageSizeLimitExceeded, 'asks for a page larger than'],
    [shape.depth, limits.maxDepth, ErrorCode.depthLimitExceeded, 'is nested deeper than'],
    [shape.aliases, limits.maxAliases, ErrorCode.aliasLimitExceeded, 'uses more aliases than'],
    [shape.directives, limits.maxDirectives, ErrorCode.directiveLimitExceeded, 'uses more directives than'],
  ];
  for (const [actual, limit, code, phrase] of checks) {
    if (actual > limit) return { code, message: `The operation ${phrase} the limit of ${limit} (it has ${actual}).`, limit, actual };
  }
  return null;
}
