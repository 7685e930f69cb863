/**
 * `npm run schema:check`: composes the working tree, classifies every API schema change against
 * the committed supergraph.graphql (breaking, dangerous, safe), validates the client operations and
 * checks the committed SDK is current. Prints the report, writes it as JSON, exits 1 when it fails.
 *
 *   npm run schema:check [-- --base <git ref>] [--json <file>]
 *
 * `--base` (or SCHEMA_CHECK_BASE) compares with supergraph.graphql at another ref, e.g. the branch
 * a pull request goes into; by default HEAD (the file on disk outside a git checkout).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSchemaCheck, runSchemaCheck } from './schema/check.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    json: { type: 'string', default: resolve(root, 'schema-checks/report.json') },
  },
});
const baseRef = values.base ?? (process.env['SCHEMA_CHECK_BASE'] || undefined);

const report = await runSchemaCheck({ root, ...(baseRef ? { baseRef } : {}) }).catch((error: unknown) => {
  // What the check could not even start on (an unreadable --base, a malformed supergraph.yaml).
  process.stderr.write(`schema:check could not run: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
const jsonPath = resolve(values.json);
await mkdir(dirname(jsonPath), { recursive: true });
await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${formatSchemaCheck(report)}\nJSON report: ${relative(process.cwd(), jsonPath)}\n`);
process.exitCode = report.ok ? 0 : 1;
