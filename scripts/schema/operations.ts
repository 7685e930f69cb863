import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { validate as validateDocuments } from '@graphql-inspector/core';
import { GraphQLError, Kind, Source, parse, type GraphQLSchema } from './graphql.ts';

export interface OperationProblem {
  /** Relative to the root the documents were read under. */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export interface OperationValidation {
  /** Every document file checked, relative to the root. */
  readonly files: readonly string[];
  /** The operations found, by name (anonymous ones as `<anonymous>`). */
  readonly operations: readonly string[];
  readonly errors: readonly OperationProblem[];
  /** Uses of deprecated fields, arguments or enum values: reported, never failing. */
  readonly deprecations: readonly OperationProblem[];
}

async function graphqlFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isFile() && /\.(graphql|gql)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * Validates every `.graphql` document under `directories` (fragments shared across files) against
 * `schema`: queries, mutations and subscriptions alike, with graphql-js's rules plus duplicate
 * operation and fragment names.
 */
export async function validateOperations(schema: GraphQLSchema, root: string, directories: readonly string[]): Promise<OperationValidation> {
  const files = (await Promise.all(directories.map((directory) => graphqlFiles(join(root, directory))))).flat();
  const sources = await Promise.all(files.map(async (file) => new Source(await readFile(file, 'utf8'), relative(root, file))));
  const errors: OperationProblem[] = [];
  const deprecations: OperationProblem[] = [];
  const operations: string[] = [];
  const parsed: Source[] = [];
  // Operation names must be unique across the documents (codegen exports one document per name);
  // inspector reports duplicate fragment names itself.
  const seen = new Map<string, string>();
  for (const source of sources) {
    let document;
    try {
      document = parse(source);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const [at] = error.locations ?? [];
      errors.push({ file: source.name, ...(at ? { line: at.line, column: at.column } : {}), message: error.message });
      continue;
    }
    parsed.push(source);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = definition.name?.value;
      operations.push(name ?? '<anonymous>');
      if (name === undefined) continue;
      const first = seen.get(name);
      const line = definition.loc?.startToken.line;
      if (first !== undefined)
        errors.push({ file: source.name, ...(line ? { line } : {}), message: `The operation ${name} is also defined in ${first}: operation names must be unique.` });
      else seen.set(name, source.name);
    }
  }
  for (const invalid of validateDocuments(schema, parsed, { strictDeprecated: false, strictFragments: true })) {
    const at = (error: { locations?: readonly { line: number; column: number }[] | undefined; message: string }): OperationProblem => ({
      file: invalid.source.name,
      ...(error.locations?.[0] ? { line: error.locations[0].line, column: error.locations[0].column } : {}),
      message: error.message,
    });
    errors.push(...invalid.errors.map(at));
    deprecations.push(...invalid.deprecated.map(at));
  }
  return { files: files.map((file) => relative(root, file)), operations, errors, deprecations };
}
