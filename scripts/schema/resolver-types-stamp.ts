// Cheap when nothing changed: `npm run generate` (on install, on every `npm start` and `npm test`)
// spent ~2.5 CPU-seconds loading graphql-codegen to rewrite the same resolver types. A hash of what
// they are made from (the codegen configs, each subgraph's schema, the locked package versions and
// their patches) is stored beside each output with the output's own hash (`.codegen-hash`); when
// every output still matches, codegen is not loaded at all.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SUBGRAPH_NAMES } from '../../common/service/subgraph-registry.ts';

const STAMP_FILE = '.codegen-hash';

/** The resolver types' file of each subgraph, relative to the project root (as codegen.ts names them). */
export const resolverTypesFile = (name: string) => `subgraphs/${name}/generated/graphql.ts`;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const readIfPresent = (file: string) => readFile(file).catch(() => undefined);

async function inputsHash(root: string): Promise<string> {
  const patches = (await readdir(path.join(root, 'patches')).catch(() => [])).sort().map((file) => `patches/${file}`);
  const files = [
    'codegen.ts',
    'common/service/subgraph-registry.ts',
    'common/subgraph/shared-definitions.ts',
    'common/subgraph/directives/event.graphql',
    'scripts/schema/run-codegen.ts',
    'scripts/schema/resolver-types-stamp.ts',
    'package-lock.json',
    ...patches,
    ...SUBGRAPH_NAMES.flatMap((name) => [`subgraphs/${name}/codegen.ts`, `subgraphs/${name}/schema.graphql`]),
  ];
  const hash = createHash('sha256');
  // A missing file (a subgraph without mappers has no codegen.ts) hashes differently from an empty one.
  for (const file of files) hash.update(`\0${file}\0`).update((await readIfPresent(path.join(root, file))) ?? '\0missing');
  return hash.digest('hex');
}

const stampOf = (inputs: string, output: Buffer) => `${inputs} ${sha256(output)}\n`;
const stampFile = (root: string, name: string) => path.join(root, path.dirname(resolverTypesFile(name)), STAMP_FILE);

/** True when every subgraph's resolver types exist, unchanged, and were made from the current inputs. */
export async function resolverTypesUpToDate(root: string): Promise<boolean> {
  const inputs = await inputsHash(root);
  const current = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const [output, stamp] = await Promise.all([readIfPresent(path.join(root, resolverTypesFile(name))), readIfPresent(stampFile(root, name))]);
      return output !== undefined && stamp?.toString() === stampOf(inputs, output);
    }),
  );
  return current.every(Boolean);
}

/** Records, after codegen wrote them, what the resolver types were made from. */
export async function stampResolverTypes(root: string): Promise<void> {
  const inputs = await inputsHash(root);
  await Promise.all(SUBGRAPH_NAMES.map(async (name) => writeFile(stampFile(root, name), stampOf(inputs, await readFile(path.join(root, resolverTypesFile(name)))))));
}
