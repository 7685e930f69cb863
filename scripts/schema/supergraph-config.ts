import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { withSharedDefinitions } from '../../common/subgraph/shared-definitions.ts';

const configSchema = z.object({
  federation_version: z.string(),
  subgraphs: z.record(
    z.string(),
    z.object({
      routing_url: z.string().url(),
      schema: z.object({ file: z.string() }),
    }),
  ),
});

export interface SubgraphSource {
  readonly name: string;
  readonly url: string;
  readonly file: string;
  readonly sdl: string;
}

/** Reads rover's `supergraph.yaml` and every subgraph schema file it names. */
export async function readSupergraphConfig(configPath: string): Promise<{ federationVersion: string; subgraphs: SubgraphSource[] }> {
  const config = configSchema.parse(parseYaml(await readFile(configPath, 'utf8')));
  const root = dirname(resolve(configPath));
  const subgraphs = await Promise.all(
    Object.entries(config.subgraphs).map(async ([name, entry]) => {
      const file = resolve(root, entry.schema.file);
      // With the definitions of our directives it links, as the subgraph's server loads it.
      return { name, url: entry.routing_url, file, sdl: withSharedDefinitions(await readFile(file, 'utf8')) };
    }),
  );
  return { federationVersion: config.federation_version, subgraphs };
}

/** The version of @apollo/composition installed: what `composeSupergraph` composes with. */
export const compositionVersion: string = (createRequire(import.meta.url)('@apollo/composition/package.json') as { version: string }).version;

/**
 * Rover's `federation_version`: `=2.14.4` pins an exact version, `2` or `2.14` a prefix. Returns
 * why the installed composition does not match it, or undefined when it does.
 */
export function checkFederationVersion(federationVersion: string, installed: string = compositionVersion): string | undefined {
  const wanted = federationVersion.trim();
  const exact = wanted.startsWith('=');
  const version = exact ? wanted.slice(1) : wanted;
  const matches = exact ? installed === version : installed === version || installed.startsWith(`${version}.`);
  return matches
    ? undefined
    : `federation_version ${wanted} does not match the installed @apollo/composition ${installed}: pin the same version in supergraph.yaml and package.json`;
}
