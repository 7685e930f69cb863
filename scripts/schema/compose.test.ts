import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeSupergraph } from './compose.ts';
import { readSupergraphConfig, type SubgraphSource } from './supergraph-config.ts';

const root = resolve(import.meta.dirname, '../..');

describe('supergraph composition', () => {
  it('composes supergraph.yaml into exactly the committed supergraph.graphql', async () => {
    const { subgraphs } = await readSupergraphConfig(resolve(root, 'supergraph.yaml'));
    const result = composeSupergraph(subgraphs);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.supergraphSdl, 'supergraph.graphql is stale: run npm run schema:compose').toBe(await readFile(resolve(root, 'supergraph.graphql'), 'utf8'));
  });

  it('reports a field two subgraphs both define, naming both', () => {
    const source = (name: string): SubgraphSource => ({
      name,
      url: `http://${name}/graphql`,
      file: `${name}.graphql`,
      sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key"])
            type Product @key(fields: "id") { id: ID! name: String! }
            type Query { product(id: ID!): Product }`,
    });
    const result = composeSupergraph([source('catalog'), source('inventory')]);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors.join('\n');
    expect(errors).toMatch(/INVALID_FIELD_SHARING/);
    expect(errors).toMatch(/catalog/);
    expect(errors).toMatch(/inventory/);
  });
});
