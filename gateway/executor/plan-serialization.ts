// The planner's output as it is shared between processes (gateway/plan-store/): a QueryPlan from
// @apollo/query-planner is plain data (strings, arrays, the `requires` selections as plain objects,
// rewrites with JSON values) except `operationDocumentNode`, a graphql-js document our executor never
// reads (the fetch sends `operation`, its text), which is left out. Everything else the executor
// keeps per operation (the shaper, the operation for conditions, our @requires rewrites) is compiled
// again from the client's document and this plan: cheap next to planning, and never stale.
import { createRequire } from 'node:module';
import type { QueryPlan } from '@apollo/query-planner';

const plannerVersion = (createRequire(import.meta.url)('@apollo/query-planner/package.json') as { version: string }).version;
/** Plans by another planner version (a rolling deploy) are not read: the field names differ. */
const FORMAT = `qp${plannerVersion}.1`;

/**
 * The field an operation's plan is stored under, in the supergraph's hash: the planner version,
 * the query's sha256 (Apollo Server's queryHash), the operation name, and the plan's variant (the
 * progressive-override draw, incremental delivery).
 */
export const operationKeyOf = (queryHash: string, operationName: string | undefined, overrideKey = '', incremental = false): string =>
  `${FORMAT}:${queryHash}:${operationName ?? ''}:${overrideKey}:${incremental ? 'defer' : ''}`;

export const serializePlan = (plan: QueryPlan): string => JSON.stringify(plan, (key, value: unknown) => (key === 'operationDocumentNode' ? undefined : value));

/** The plan, or undefined when the text is not one (then the operation is planned again). */
export function deserializePlan(text: string): QueryPlan | undefined {
  try {
    const plan = JSON.parse(text) as unknown;
    if (typeof plan === 'object' && plan !== null && (plan as { kind?: unknown }).kind === 'QueryPlan') return plan as QueryPlan;
  } catch {
    // a damaged entry is a miss
  }
  return undefined;
}

/** What the executor asks of shared plans (gateway/plan-store/). Never throws: a failure is a miss. */
export interface PlanStore {
  get(supergraphId: string, operationKey: string): Promise<string | undefined>;
  /** Fire and forget. */
  put(supergraphId: string, operationKey: string, plan: string): void;
}
