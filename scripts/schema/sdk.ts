import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import type { DocumentNode } from 'graphql';

type FileOutput = { filename: string; content: string };
import { clientSdk } from '../../codegen.ts';
import { printApiSchema } from './api-schema.ts';
import { SDK_MANIFEST_FILE, manifestOf, manifestText } from './persisted-documents.ts';

/** The API schema file the SDK is generated from (committed, for clients' editors and tools too). */
export const SDK_SCHEMA_FILE = 'sdk/schema.graphql';
/** The SDK's operations: every client operation the project ships. */
export const SDK_OPERATIONS_DIR = 'sdk/operations';

const HEADER = '# The API schema of the supergraph: what clients query through the gateway.\n' + '# Generated from supergraph.graphql by `npm run codegen`; do not edit.\n\n';

/** What `sdk/schema.graphql` holds for a supergraph. */
export function sdkSchemaText(supergraphSdl: string): string {
  return `${HEADER}${printApiSchema(supergraphSdl)}`;
}

type GenerateEntry = (typeof clientSdk)[keyof typeof clientSdk];

/**
 * Codegen's config for the client SDK with every path under `root`; the schema is given as SDL so
 * a check can generate from a fresh API schema instead of the file on disk. Every executable
 * document codegen makes (an operation with its fragments) is also handed to `collect`.
 */
function sdkCodegenConfig(root: string, collect: (document: DocumentNode) => void, apiSchemaSdl?: string): CodegenConfig & { cwd: string } {
  const generates = Object.fromEntries(
    Object.entries(clientSdk).map(([file, entry]: [string, GenerateEntry]) => [
      file,
      {
        ...entry,
        schema: apiSchemaSdl ?? resolve(root, entry.schema),
        documents: isAbsolute(entry.documents) ? entry.documents : resolve(root, entry.documents),
        config: {
          ...entry.config,
          unstable_onExecutableDocumentNode: (document: DocumentNode) => {
            collect(document);
            return entry.config.unstable_onExecutableDocumentNode(document);
          },
        },
      },
    ]),
  );
  // Plugins load from this repository's node_modules, whichever root the SDK is generated under.
  const pluginLoader = (name: string) => import(name);
  return { cwd: root, overwrite: true, silent: true, pluginLoader, generates };
}

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly file: string;
  readonly content: string;
}

/**
 * Generates the client SDK in memory, as `npm run codegen` would write it under `root`: the typed
 * documents and the manifest of their persisted documents (`sdk/persisted-operations.json`).
 */
export async function generateClientSdk(root: string, apiSchemaSdl?: string): Promise<GeneratedFile[]> {
  const documents: DocumentNode[] = [];
  const outputs = await generate(
    sdkCodegenConfig(root, (document) => documents.push(document), apiSchemaSdl),
    false,
  );
  return [
    ...(outputs as FileOutput[]).map((output) => ({ file: output.filename, content: output.content })),
    { file: SDK_MANIFEST_FILE, content: manifestText(manifestOf(documents)) },
  ];
}

/** Generates and writes the client SDK under `root` from `sdk/schema.graphql`. */
export async function writeClientSdk(root: string): Promise<string[]> {
  const generated = await generateClientSdk(root);
  await Promise.all(generated.map((output) => writeFile(resolve(root, output.file), output.content)));
  return generated.map((output) => output.file);
}

export interface StaleFile {
  readonly file: string;
  readonly problem: 'missing' | 'differs';
  /** The first line (1-based) where the committed file and a fresh generation differ. */
  readonly line?: number;
  readonly expected?: string;
  readonly actual?: string;
}

function firstDifference(expected: string, actual: string): Pick<StaleFile, 'line' | 'expected' | 'actual'> {
  const want = expected.split('\n');
  const have = actual.split('\n');
  const index = want.findIndex((line, at) => line !== have[at]);
  const at = index === -1 ? want.length : index;
  return { line: at + 1, expected: want[at] ?? '<end of file>', actual: have[at] ?? '<end of file>' };
}

async function compare(root: string, file: string, expected: string): Promise<StaleFile | undefined> {
  const actual = await readFile(resolve(root, file), 'utf8').catch(() => undefined);
  if (actual === undefined) return { file, problem: 'missing' };
  return actual === expected ? undefined : { file, problem: 'differs', ...firstDifference(expected, actual) };
}

/**
 * The committed SDK files under `root` that differ from a fresh generation: `sdk/schema.graphql`
 * from `supergraph.graphql`, and the generated code from that schema and `sdk/operations`.
 * Empty when everything is current.
 */
export async function findStaleSdkFiles(root: string): Promise<StaleFile[]> {
  const schemaText = sdkSchemaText(await readFile(resolve(root, 'supergraph.graphql'), 'utf8'));
  const generated = await generateClientSdk(root, schemaText);
  const checks = [compare(root, SDK_SCHEMA_FILE, schemaText), ...generated.map((output) => compare(root, output.file, output.content))];
  return (await Promise.all(checks)).filter((stale): stale is StaleFile => stale !== undefined);
}
