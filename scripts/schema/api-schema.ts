import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { servableSupergraph } from '../../gateway/authorization/requirements.ts';
import { printSchema, type GraphQLSchema } from './graphql.ts';
import { buildSupergraph } from '../../common/supergraph.ts';

/**
 * The API schema of a supergraph: what clients see and query through the gateway, without the
 * join__/link__ machinery of the supergraph SDL (what `@apollo/gateway` serves).
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // Read as the gateway loads it: its authorization specs (linked for SECURITY) are enforced there.
  return buildSupergraph(servableSupergraph(supergraphSdl)).apiSchema().toGraphQLJSSchema();
}

/** The API schema of a supergraph, printed. */
export function printApiSchema(supergraphSdl: string): string {
  return `${printSchema(apiSchemaOf(supergraphSdl))}\n`;
}

export interface CommittedSupergraph {
  readonly sdl: string;
  /** Where it came from: `git <ref>:supergraph.graphql` or the file on disk. */
  readonly source: string;
}

/**
 * The committed supergraph: `supergraph.graphql` at `ref` (HEAD unless told) in the git checkout
 * at `root`. With no explicit ref, outside a git checkout (or before the file's first commit),
 * the file on disk stands in for it. An explicit ref that cannot be read is an error.
 */
export async function readCommittedSupergraph(root: string, ref?: string): Promise<CommittedSupergraph> {
  const revision = ref ?? 'HEAD';
  try {
    const { stdout } = await promisify(execFile)('git', ['show', `${revision}:./supergraph.graphql`], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return { sdl: stdout, source: `git ${revision}:supergraph.graphql` };
  } catch (error) {
    if (ref !== undefined) throw new Error(`cannot read supergraph.graphql at ${ref}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    return { sdl: await readFile(resolve(root, 'supergraph.graphql'), 'utf8'), source: 'supergraph.graphql on disk (no git HEAD to compare with)' };
  }
}
