/**
 * `npm run schema:compose`: supergraph.yaml -> supergraph.graphql. Every composition error and
 * hint is printed with the subgraphs, files, lines and schema coordinates involved; an error or a
 * hint fails the command and leaves supergraph.graphql as it was.
 *
 *   npm run schema:compose [-- --config <supergraph.yaml>] [--out <supergraph.graphql>]
 */
import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { composeSupergraph, formatIssue } from './schema/compose.ts';
import { checkFederationVersion, readSupergraphConfig } from './schema/supergraph-config.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { config: { type: 'string', default: resolve(root, 'supergraph.yaml') }, out: { type: 'string' } },
});
const configPath = resolve(values.config);
const outPath = resolve(values.out ?? resolve(configPath, '..', 'supergraph.graphql'));
const where = (file: string) => relative(process.cwd(), file) || file;

const { federationVersion, subgraphs } = await readSupergraphConfig(configPath);
const versionProblem = checkFederationVersion(federationVersion);
if (versionProblem) {
  process.stderr.write(`error: ${where(configPath)}: ${versionProblem}\n`);
  process.exit(1);
}
const result = composeSupergraph(subgraphs);
for (const entry of result.issues) process.stderr.write(`${formatIssue(entry, where)}\n`);
if (!result.ok || result.issues.length > 0) {
  const errors = result.issues.filter((entry) => entry.severity === 'error').length;
  const hints = result.issues.length - errors;
  process.stderr.write(
    `\ncomposition of ${where(configPath)} failed: ${errors} error(s), ${hints} hint(s); ${where(outPath)} is unchanged.\n` +
      (errors === 0 ? 'Hints fail composition here too: make the subgraphs agree (see each hint above).\n' : ''),
  );
  process.exit(1);
}
await writeFile(outPath, result.supergraphSdl);
process.stdout.write(`${where(outPath)} composed from ${subgraphs.map((s) => s.name).join(', ')} (federation ${federationVersion})\n`);
