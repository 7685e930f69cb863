// The cost model of one supergraph, with its estimates cached: what the gateway's demand control
// and `npm run schema:check` both use.
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { readCostDirectives } from './cost-directives.ts';
import { InvalidVariablesError, createCostModel, type CostModel, type CostSettings } from './cost-model.ts';
import { buildSupergraph } from '../supergraph.ts';

/** Estimates kept per operation: distinct values of its cost variables (page sizes) are few. */
const ESTIMATES_PER_OPERATION = 32;

export interface CostEstimator extends CostModel {
  /** `estimate`, computed once per operation (the parsed document Apollo Server caches) and values of its cost variables. */
  cachedEstimate(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): number;
}

/** The API schema of a supergraph SDL (what clients' operations are validated against). */
export const apiSchemaOf = (supergraphSdl: string): GraphQLSchema => buildSupergraph(supergraphSdl).apiSchema().toGraphQLJSSchema();

export function createCostEstimator(supergraphSdl: string, settings: CostSettings, apiSchema: GraphQLSchema = apiSchemaOf(supergraphSdl)): CostEstimator {
  const model = createCostModel(apiSchema, readCostDirectives(supergraphSdl), settings);
  // Keyed by the operation node: Apollo Server hands the same parsed document to each request of the
  // same text, so an operation is walked once per distinct value of the variables its cost reads.
  const cache = new WeakMap<OperationDefinitionNode, { readonly names: readonly string[]; readonly estimates: Map<string, number | Error> }>();
  return {
    ...model,
    cachedEstimate(document, operation, variables) {
      let entry = cache.get(operation);
      if (!entry) {
        entry = { names: model.costVariables(document, operation), estimates: new Map() };
        cache.set(operation, entry);
      }
      // Given or not, then the value: an absent variable takes its default, a null one does not.
      const key = JSON.stringify(entry.names.map((name) => (name in variables ? [1, variables[name]] : [0])));
      let estimate = entry.estimates.get(key);
      if (estimate === undefined) {
        try {
          estimate = model.estimate(document, operation, variables);
        } catch (error) {
          // Invalid values are this request's, not its cost variables' (another may be fine): not kept.
          if (!(error instanceof Error) || error instanceof InvalidVariablesError) throw error;
          estimate = error;
        }
        if (entry.estimates.size >= ESTIMATES_PER_OPERATION) entry.estimates.delete(entry.estimates.keys().next().value!);
        entry.estimates.set(key, estimate);
      }
      if (estimate instanceof Error) throw estimate;
      return estimate;
    },
  };
}
