/**
 * `npm run docs:config`: writes docs/configuration.md from the config schemas.
 * `npm run docs:config -- --check`: exits 1, writing nothing, when the file is stale or a variable has no meaning.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { REFERENCE_PATH, configurationReference, sections, undocumented } from './config-reference.ts';

const all = sections();
const missing = undocumented(all);
if (missing.length > 0) {
  process.stderr.write(`docs:config: variables without a meaning (add .describe() to their schema):\n${missing.map((entry) => `  - ${entry}\n`).join('')}`);
  process.exit(1);
}
const reference = configurationReference(all);
const path = relative(process.cwd(), REFERENCE_PATH);
if (process.argv.includes('--check')) {
  const current = await readFile(REFERENCE_PATH, 'utf8').catch(() => '');
  if (current !== reference) {
    process.stderr.write(`docs:config: ${path} is stale: run npm run docs:config\n`);
    process.exit(1);
  }
} else {
  await writeFile(REFERENCE_PATH, reference);
  process.stdout.write(`docs:config: wrote ${path}\n`);
}
