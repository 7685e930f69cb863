import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

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
      return { name, url: entry.routing_url, file, sdl: await readFile(file, 'utf8') };
    }),
  );
  return { federationVersion: config.federation_version, subgraphs };
}
