// Persisted (trusted) documents of the SDK's operations, made exactly as @graphql-codegen/client-preset's
// `persistedDocuments` option makes them: codegen hands the typed-document-node plugin's
// `unstable_onExecutableDocumentNode` hook each operation with every fragment it uses (transitively);
// the document is printed by @graphql-tools/documents' printExecutableGraphQLDocument (definitions,
// selections, arguments and variables sorted, whitespace collapsed) and the id is the sha256 of that
// text (`sha256:<hex>` in the preset's map and in GraphQL-over-HTTP `documentId`; bare hex in Apollo's
// manifest and `extensions.persistedQuery.sha256Hash`). The preset also drops `@client` fields and
// `@connection` directives first: the SDK's operations have none, and `manifestOf` refuses them.
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { sha256Hex } from '../../gateway/trusted-documents/manifests.ts';
import { Kind, visit } from './graphql.ts';

/** The committed manifest of the SDK's operations. */
export const SDK_MANIFEST_FILE = 'sdk/persisted-operations.json';
/** The SDK's client name in the gateway's metrics and in schema:check. */
export const SDK_CLIENT_NAME = 'web';

export interface ManifestOperation {
  /** sha256 (hex) of `body`. */
  readonly id: string;
  readonly name: string;
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly body: string;
}

/** Apollo's persisted query manifest format (what Apollo Router and `generate-persisted-query-manifest` use). */
export interface PersistedQueryManifest {
  readonly format: 'apollo-persisted-query-manifest';
  readonly version: 1;
  readonly operations: readonly ManifestOperation[];
}

/** The printed document the id is computed from: the operation and its fragments, normalized. */
export function persistedDocumentBody(document: DocumentNode): string {
  visit(document, {
    Directive(node) {
      if (node.name.value === 'client' || node.name.value === 'connection') {
        throw new Error(`@${node.name.value} is a client-side directive: the gateway would run a different document than the manifest's`);
      }
    },
  });
  return printExecutableGraphQLDocument(document);
}

/** The id as client-preset embeds it in a generated document (`__meta__.hash`). */
export const persistedDocumentHash = (document: DocumentNode) => `sha256:${sha256Hex(persistedDocumentBody(document))}`;

/** One manifest entry per operation document, sorted by name so the committed file diffs cleanly. */
export function manifestOf(documents: readonly DocumentNode[]): PersistedQueryManifest {
  const operations = documents.map((document): ManifestOperation => {
    const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    if (!operation?.name) throw new Error('every SDK operation needs a name');
    const body = persistedDocumentBody(document);
    return { id: sha256Hex(body), name: operation.name.value, type: operation.operation as ManifestOperation['type'], body };
  });
  return { format: 'apollo-persisted-query-manifest', version: 1, operations: operations.sort((a, b) => a.name.localeCompare(b.name)) };
}

export const manifestText = (manifest: PersistedQueryManifest) => `${JSON.stringify(manifest, null, 2)}\n`;
