// schema:check knows the clients: every operation of every client's manifest (the SDK's
// sdk/persisted-operations.json and trusted-documents/<client>.json) is validated against the
// proposed API schema, and measured with the gateway's own cost model against its limits.
import type { OperationDefinitionNode } from 'graphql';
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
  /** Worst case: every page-size variable at the gateway's MAX_PAGE_SIZE. */
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

export function checkTrustedDocuments(schema: GraphQLSchema, manifests: readonly ClientManifest[], limits: OperationLimits): TrustedDocumentsCheck {
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
      const variables = Object.fromEntries((operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, limits.maxPageSize]));
      const shape = measureOperation(document, operation, variables);
      const breach = breachOf(shape, limits);
      return { ...base, cost: shape.cost, errors, ...(breach ? { breach: `${breach.code}: ${breach.message}` } : {}) };
    }),
  );
  return {
    clients: manifests.map((manifest) => ({ client: manifest.client, file: manifest.file, operations: manifest.operations.length })),
    operations,
    maxCost: limits.maxCost,
  };
}
