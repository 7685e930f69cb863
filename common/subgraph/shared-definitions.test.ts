// Our directives are defined once (common/subgraph/directives/) and added to each subgraph schema
// that links their spec: at start, in composition and the schema check, and in codegen.
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../service/subgraph-registry.ts';
import { readSubgraphSdl, sharedDefinitionFiles, withSharedDefinitions } from './shared-definitions.ts';

const root = new URL('../../', import.meta.url);
const schemaFile = (name: string) => new URL(`subgraphs/${name}/schema.graphql`, root);
const EVENT_DEFINITION = 'common/subgraph/directives/event.graphql';
const EVENT_LINK = '@link(url: "https://commerce-supergraph.dev/event/v0.1", import: ["@event"])';

const defines = (sdl: string, directive: string) => parse(sdl).definitions.some((node) => node.kind === Kind.DIRECTIVE_DEFINITION && node.name.value === directive);

describe('shared directive definitions', () => {
  it('define @event in one file, not in the subgraph schemas that use it', () => {
    const files = [...SUBGRAPH_NAMES.map((name) => `subgraphs/${name}/schema.graphql`), EVENT_DEFINITION];
    expect(files.filter((file) => defines(readFileSync(new URL(file, root), 'utf8'), 'event'))).toEqual([EVENT_DEFINITION]);
  });

  it('complete every subgraph that links the @event spec, which then builds', () => {
    const linking = SUBGRAPH_NAMES.filter((name) => readFileSync(schemaFile(name), 'utf8').includes(EVENT_LINK));
    expect(linking).toEqual(expect.arrayContaining(['inventory', 'orders', 'notifications', 'cart']));
    for (const name of SUBGRAPH_NAMES) {
      const sdl = readSubgraphSdl(schemaFile(name));
      expect(defines(sdl, 'event'), name).toBe(linking.includes(name));
      expect(() => buildSubgraphSchema({ typeDefs: parse(sdl) }), name).not.toThrow();
    }
  });

  it("append after the schema's last line, so its own lines keep their numbers, and only for a linked spec", () => {
    const sdl = `extend schema ${EVENT_LINK}\n\ntype Query {\n  ping: String\n}\n`;
    const completed = withSharedDefinitions(sdl);
    expect(completed.startsWith(sdl)).toBe(true);
    expect(completed.slice(sdl.length)).toBe(`\n${readFileSync(new URL(EVENT_DEFINITION, root), 'utf8')}`);
    expect(sharedDefinitionFiles(sdl)).toEqual([new URL(EVENT_DEFINITION, root).pathname]);
    // An SDL read through here once and written out (a candidate schema file) is not completed twice.
    expect(withSharedDefinitions(completed)).toBe(completed);
    const unlinked = 'type Query {\n  ping: String\n}\n';
    expect(withSharedDefinitions(unlinked)).toBe(unlinked);
    expect(sharedDefinitionFiles(unlinked)).toEqual([]);
  });
});
