/**
 * `npm run codegen`: everything codegen.ts describes. First `sdk/schema.graphql` (the API schema
 * of supergraph.graphql), then the resolver types of every subgraph (not committed) and the client
 * SDK in `sdk/generated/` (committed).
 *
 * `--resolvers-only` (what `npm run generate` runs on install, start and test) writes only what is
 * not committed: regenerating the committed SDK there would hide a stale one from the check.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import config, { clientSdk } from '../../codegen.ts';
import { SDK_SCHEMA_FILE, sdkSchemaText, writeClientSdk } from './sdk.ts';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { 'resolvers-only': { type: 'boolean', default: false } } });

const sdkFiles = new Set(Object.keys(clientSdk));
const resolverTypes = Object.fromEntries(Object.entries(config.generates).filter(([file]) => !sdkFiles.has(file)));
await generate({ ...config, cwd: root, generates: resolverTypes }, true);

if (!values['resolvers-only']) {
  const schema = sdkSchemaText(await readFile(resolve(root, 'supergraph.graphql'), 'utf8'));
  await writeFile(resolve(root, SDK_SCHEMA_FILE), schema);
  const written = await writeClientSdk(root);
  // Imported only now: it reads the SDK's documents just written.
  const { writeStorefrontManifest } = await import('./storefront-documents.ts');
  written.push(await writeStorefrontManifest(root));
  process.stdout.write(`wrote ${[SDK_SCHEMA_FILE, ...written].join(', ')} and the resolver types of ${Object.keys(resolverTypes).length} subgraphs\n`);
}
