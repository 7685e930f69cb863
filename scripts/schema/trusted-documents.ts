// schema:check knows the clients: every operation of every client's manifest (the SDK's
// sdk/persisted-operations.json and trusted-documents/<client>.json) is validated against the
// proposed API schema, and measured with the gateway's own limits and cost model: the candidate
// supergraph's @cost and @listSize, so a schema change (not only a document) can push one over.
import type { OperationDefinitionNode } from 'graphql';
import type { CostEstimator } from '../../common/cost/cost-estimator.ts';
import { CostEstimationError } from '../../common/cost/cost-model.ts';
import { ErrorCode } from '../../common/errors.ts';
import { breachOf, measureOperation, type OperationLimits } from '../../common/operation-limits.ts';
import type { ClientManifest } from '../../gateway/trusted-documents/manifests.ts';
import type { ManifestSource } from '../../gateway/trusted-documents/settings.ts';
import { GraphQLError, Kind, parse, validate, type GraphQLSchema } from './graphql.ts';
import { SDK_CLIENT_NAME, SDK_MANIFEST_FILE } from './persisted-documents.ts';

/** The manifests the gateway reads by default, under `root`. */
export const defaultManifestSources = (root: string): ManifestSource[] => [
  { client: SDK_CLIENT_NAME, file: `${root}/${SDK_MANIFEST_FILE}` },
  { directory: `${root}/trusted-documents` },
];

export interface TrustedOperationReport {
  readonly client: string;
  readonly operation: string;
  readonly type: string;
  /** Estimated from the candidate supergraph, every Int variable (page sizes) at the gateway's MAX_PAGE_SIZE. */
  readonly cost: number;
  readonly errors: readonly string[];
  /** The first gateway limit it breaks (cost, depth, aliases, …), as the gateway would refuse it. */
  readonly breach?: string;
}

export interface TrustedDocumentsCheck {
  readonly clients: readonly { readonly client: string; readonly file: string; readonly operations: number }[];
  readonly operations: readonly TrustedOperationReport[];
  readonly maxCost: number;
}

/** The candidate supergraph's cost model and the gateway's MAX_QUERY_COST. */
export interface CostCheck {
  readonly estimator: CostEstimator;
  readonly maxCost: number;
}

export function checkTrustedDocuments(schema: GraphQLSchema, manifests: readonly ClientManifest[], limits: OperationLimits, cost: CostCheck): TrustedDocumentsCheck {
  const operations = manifests.flatMap((manifest) =>
    manifest.operations.map((entry): TrustedOperationReport => {
      const base = { client: manifest.client, operation: entry.name, type: entry.type };
      let document;
      try {
        document = parse(entry.body);
      } catch (error) {
        return { ...base, cost: 0, errors: [error instanceof GraphQLError ? error.message : String(error)] };
      }
      const errors = validate(schema, document).map((error) => error.message);
      const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
      if (!operation) return { ...base, cost: 0, errors: [...errors, 'no operation in the document'] };
      // A client may send any page size up to the limit: the cost a release must allow for.
      const variables = Object.fromEntries(
        (operation.variableDefinitions ?? []).flatMap((definition) => {
          let type = definition.type;
          while (type.kind !== Kind.NAMED_TYPE) type = type.type;
          return type.name.value === 'Int' ? [[definition.variable.name.value, limits.maxPageSize]] : [];
        }),
      );
      const breach = breachOf(measureOperation(document, operation, variables), limits);
      let estimated = 0;
      let costBreach: string | undefined;
      try {
        estimated = errors.length === 0 ? cost.estimator.estimate(document, operation, variables) : 0;
        if (estimated > cost.maxCost)
          costBreach = `${ErrorCode.costEstimatedTooExpensive}: The operation is estimated to cost ${estimated}, more than the limit of ${cost.maxCost}.`;
      } catch (error) {
        if (!(error instanceof CostEstimationError)) throw error;
        costBreach = `${error.code}: ${error.message}`;
      }
      const refusal = breach ? `${breach.code}: ${breach.message}` : costBreach;
      return { ...base, cost: estimated, errors, ...(refusal ? { breach: refusal } : {}) };
    }),
  );
  return {
    clients: manifests.map((manifest) => ({ client: manifest.client, file: manifest.file, operations: manifest.operations.length })),
    operations,
    maxCost: cost.maxCost,
  };
}
