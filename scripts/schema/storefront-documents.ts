// The storefront's trusted documents (`trusted-documents/storefront.json`, client `storefront`).
// Apollo Client's cache adds `__typename` to every selection it sends, so the storefront's
// operations are not the SDK's manifest bodies: they are listed as the client runs them, and the
// storefront sends only their ids (PersistedQueryLink), which `PERSISTED_DOCUMENTS=require` accepts.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import * as sdk from '../../sdk/generated/graphql.ts';
import { sha256Hex } from '../../gateway/trusted-documents/manifests.ts';
import type { ManifestOperation, PersistedQueryManifest } from './persisted-documents.ts';

export const STOREFRONT_MANIFEST_FILE = 'trusted-documents/storefront.json';

const isOperationDocument = (value: unknown): value is DocumentNode =>
  typeof value === 'object' &&
  value !== null &&
  (value as DocumentNode).kind === 'Document' &&
  (value as DocumentNode).definitions.some((definition) => definition.kind === 'OperationDefinition');

/** Every SDK operation as Apollo Client sends it (with `__typename`), in Apollo's manifest format. */
export function storefrontManifest(): PersistedQueryManifest {
  const operations: ManifestOperation[] = Object.values(sdk)
    .filter(isOperationDocument)
    .map((document) => {
      const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
      const body = printExecutableGraphQLDocument(addTypenameToDocument(document));
      return { id: sha256Hex(body), name: operation.name!.value, type: operation.operation, body };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

export const storefrontManifestText = () => `${JSON.stringify(storefrontManifest(), null, 2)}\n`;

export async function writeStorefrontManifest(root: string): Promise<string> {
  await writeFile(resolve(root, STOREFRONT_MANIFEST_FILE), storefrontManifestText());
  return STOREFRONT_MANIFEST_FILE;
}

export async function storefrontManifestIsCurrent(root: string): Promise<boolean> {
  return (await readFile(resolve(root, STOREFRONT_MANIFEST_FILE), 'utf8').catch(() => '')) === storefrontManifestText();
}
