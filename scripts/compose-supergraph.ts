/** `npm run schema:compose`: supergraph.yaml -> supergraph.graphql, failing on composition errors. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readSupergraphConfig } from './schema/supergraph-config.ts';
import { composeSupergraph } from './schema/compose.ts';

const root = resolve(import.meta.dirname, '..');
const { subgraphs } = await readSupergraphConfig(resolve(root, 'supergraph.yaml'));
const result = composeSupergraph(subgraphs);
for (const hint of result.hints) process.stdout.write(`hint: ${hint}\n`);
if (!result.ok) {
  for (const error of result.errors) process.stderr.write(`error: ${error}\n`);
  process.exit(1);
}
await writeFile(resolve(root, 'supergraph.graphql'), result.supergraphSdl);
process.stdout.write(`supergraph.graphql composed from ${subgraphs.map((s) => s.name).join(', ')}\n`);
