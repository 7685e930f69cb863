// A root field that no fetch of the plan asks any subgraph for: @apollo/query-planner 2.14 leaves
// out a field it finds no way to resolve (an @interfaceObject field behind a key no subgraph can
// resolve, the audit's non-resolvable-interface-object) instead of failing, and the answer would
// be a silent null. The gateway refuses such a plan as it does a plan the planner cannot make.
import type { PlanNode, QueryPlan } from '@apollo/query-planner';
import type { DirectiveNode, DocumentNode, FragmentDefinitionNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { Kind, parse } = graphqlRuntime;

// A field under @skip(if: true) or @include(if: false) is never asked for; one under a variable may be.
const neverSelected = (directives: readonly DirectiveNode[] | undefined) =>
  (directives ?? []).some((directive) => {
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
    if (condition?.kind !== Kind.BOOLEAN) return false;
    return (directive.name.value === 'skip' && condition.value === true) || (directive.name.value === 'include' && condition.value === false);
  });

function rootFieldNames(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, into: Set<string>, seen = new Set<string>()): Set<string> {
  for (const selection of selectionSet.selections) {
    if (neverSelected(selection.directives)) continue;
    if (selection.kind === Kind.FIELD) into.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFieldNames(selection.selectionSet, fragments, into, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) rootFieldNames(fragment.selectionSet, fragments, into, seen);
    }
  }
  return into;
}

function fetchedRootFields(node: PlanNode | undefined, into: Set<string>): Set<string> {
  if (!node) return into;
  switch (node.kind) {
    case 'Fetch':
      // Entity fetches (with `requires`) resolve fields below the root.
      if (!node.requires) {
        const document = parse(node.operation);
        const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
        const fragments = new Map(
          document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])),
        );
        if (operation) rootFieldNames(operation.selectionSet, fragments, into);
      }
      return into;
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) fetchedRootFields(child, into);
      return into;
    case 'Condition':
      fetchedRootFields(node.ifClause, into);
      return fetchedRootFields(node.elseClause, into);
    case 'Defer':
      fetchedRootFields(node.primary.node, into);
      for (const deferred of node.deferred) fetchedRootFields(deferred.node, into);
      return into;
    case 'Flatten':
      return into;
  }
}

/** The root fields of the operation (introspection aside) that no fetch of its plan asks for. */
export function unplannedRootFields(plan: QueryPlan, document: DocumentNode, operation: OperationDefinitionNode): string[] {
  // Subscriptions are served their own way (gateway/subscriptions/).
  if (operation.operation === 'subscription' || plan.node?.kind === 'Subscription') return [];
  const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])));
  const selected = rootFieldNames(operation.selectionSet, fragments, new Set());
  const fetched = fetchedRootFields(plan.node, new Set());
  return [...selected].filter((name) => !name.startsWith('__') && !fetched.has(name));
}
