// The entity representations a fetch with `requires` sends: @apollo/gateway's
// executeSelectionSet, compiled once per fetch node (response names and the selection tree
// resolved ahead; the node belongs to a cached plan, so its builder is built once).
import type { FetchNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import { Kind, type GraphQLSchema } from 'graphql';
import { isObjectOfType } from './data-rewrites.ts';
import { deepMerge, type ResultObject } from './deep-merge.ts';

type Build = (source: unknown) => ResultObject | null;

const builders = new WeakMap<FetchNode, Build>();

export function representationBuilderOf(fetch: FetchNode, schema: GraphQLSchema): Build {
  let build = builders.get(fetch);
  if (!build) {
    build = compileSelections(fetch.requires ?? [], schema);
    builders.set(fetch, build);
  }
  return build;
}

type Step =
  | { readonly kind: 'field'; readonly responseName: string; readonly build: Build | null }
  | { readonly kind: 'fragment'; readonly typeCondition: string | undefined; readonly build: Build };

function compileSelections(selections: readonly QueryPlanSelectionNode[], schema: GraphQLSchema): Build {
  const steps: Step[] = selections.map((selection) =>
    selection.kind === Kind.FIELD
      ? { kind: 'field', responseName: selection.alias ?? selection.name, build: selection.selections ? compileSelections(selection.selections, schema) : null }
      : { kind: 'fragment', typeCondition: selection.typeCondition, build: compileSelections(selection.selections, schema) },
  );
  return (source) => {
    if (source === null) return null;
    const input = source as ResultObject;
    const result = Object.create(null) as ResultObject;
    for (const step of steps) {
      if (step.kind === 'field') {
        if (!Object.prototype.hasOwnProperty.call(input, step.responseName) || typeof input[step.responseName] === 'undefined') return null;
        const value = input[step.responseName];
        const build = step.build;
        if (Array.isArray(value)) result[step.responseName] = build ? value.map((element: unknown) => build(element)) : value.map((element: unknown) => element);
        else if (build) result[step.responseName] = build(value);
        else result[step.responseName] = value;
      } else {
        if (!step.typeCondition || !input) continue;
        if (isObjectOfType(schema, input, step.typeCondition)) deepMerge(result, step.build(input));
      }
    }
    return result;
  };
}
