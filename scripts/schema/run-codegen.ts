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
import { resolverTypesUpToDate, stampResolverTypes } from './resolver-types-stamp.ts';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { 'resolvers-only': { type: 'boolean', default: false } } });

// Nothing to do for --resolvers-only when the resolver types are current: codegen and the configs are
// loaded only past this point (loading them was most of what `npm run generate` cost on each start).
if (values['resolvers-only'] && (await resolverTypesUpToDate(root))) process.exit(0);

const [{ generate }, { default: config, clientSdk }, { SDK_SCHEMA_FILE, sdkSchemaText, writeClientSdk }] = await Promise.all([
  import('@graphql-codegen/cli'),
  import('../../codegen.ts'),
  import('./sdk.ts'),
]);
const sdkFiles = new Set(Object.keys(clientSdk));
const resolverTypes = Object.fromEntries(Object.entries(config.generates).filter(([file]) => !sdkFiles.has(file)));
await generate({ ...config, cwd: root, generates: resolverTypes }, true);
await stampResolverTypes(root);

if (!values['resolvers-only']) {
  const schema = sdkSchemaText(await readFile(resolve(root, 'supergraph.graphql'), 'utf8'));
  await writeFile(resolve(root, SDK_SCHEMA_FILE), schema);
  const written = await writeClientSdk(root);
  // Imported only now: it reads the SDK's documents just written.
  const { writeStorefrontManifest } = await import('./storefront-documents.ts');
  written.push(await writeStorefrontManifest(root));
  process.stdout.write(`wrote ${[SDK_SCHEMA_FILE, ...written].join(', ')} and the resolver types of ${Object.keys(resolverTypes).length} subgraphs\n`);
}
