import { existsSync, readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import type { DocumentNode } from 'graphql';
import { SUBGRAPH_NAMES } from './common/service/subgraph-registry.ts';
import { sharedDefinitionFiles } from './common/subgraph/shared-definitions.ts';
import { persistedDocumentHash } from './scripts/schema/persisted-documents.ts';

/**
 * Resolver types for every subgraph of the registry, mapped to Prisma's model types (each
 * subgraph's `codegen.ts` names them), so resolvers are typed from the schema down to the database.
 * The context type is `<Name>Context` from the subgraph's `context.ts`. `npm run codegen` writes
 * them (not committed).
 */
const subgraphs = await Promise.all(
  SUBGRAPH_NAMES.map(async (name) => {
    const file = `./subgraphs/${name}/codegen.ts`;
    const { mappers } = existsSync(new URL(file, import.meta.url)) ? ((await import(file)) as { mappers: Record<string, string> }) : { mappers: {} };
    return [name, { context: `${name[0]!.toUpperCase()}${name.slice(1)}Context`, mappers }] as const;
  }),
);

/**
 * The typed client SDK: operation types and TypedDocumentNodes for `sdk/operations/*.graphql`,
 * against the API schema `sdk/schema.graphql` (written from supergraph.graphql by `npm run codegen`).
 * Committed, unlike the resolver types: `npm run codegen` rewrites it, a test fails when it is stale.
 */
export const clientSdk = {
  'sdk/generated/graphql.ts': {
    schema: 'sdk/schema.graphql',
    documents: 'sdk/operations/**/*.graphql',
    // typescript-operations 6 writes the enums and input types operations use: no `typescript` plugin.
    plugins: ['typescript-operations', 'typed-document-node'],
    config: {
      useTypeImports: true,
      enumsAsTypes: true,
      emitLegacyCommonJSImports: false,
      scalars: { DateTime: 'string' },
      // Each document carries its persisted id (`__meta__.hash`, as client-preset's persistedDocuments
      // embeds it), which `createShopClient({ persisted: true })` sends instead of the text.
      unstable_onExecutableDocumentNode: (document: DocumentNode) => ({ hash: persistedDocumentHash(document) }),
    },
  },
} satisfies CodegenConfig['generates'];

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  generates: {
    ...clientSdk,
    ...Object.fromEntries(
      subgraphs.map(([name, { context, mappers }]) => [
        `subgraphs/${name}/generated/graphql.ts`,
        {
          // With the definitions of our directives it links, as the subgraph's server loads it.
          schema: [`subgraphs/${name}/schema.graphql`, ...sharedDefinitionFiles(readFileSync(`subgraphs/${name}/schema.graphql`, 'utf8'))],
          plugins: ['typescript', 'typescript-resolvers'],
          config: {
            federation: true,
            useIndexSignature: true,
            useTypeImports: true,
            enumsAsTypes: true,
            emitLegacyCommonJSImports: false,
            contextType: `../context.ts#${context}`,
            mappers,
            mapperTypeSuffix: 'Model',
            scalars: { DateTime: { input: 'string', output: 'Date | string' } },
            avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
          },
        },
      ]),
    ),
  },
};

export default config;
