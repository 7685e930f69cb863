// Our own directives are defined once, here, not in each subgraph's schema.graphql: a subgraph
// imports one with `@link(url: <its spec>)`, and every reader of a subgraph's SDL (the server at
// start, composition and the schema check, codegen) adds the definitions of the specs it links.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Each spec of ours a subgraph may @link, and the file that defines its directives. */
const SPECS: readonly { readonly url: string; readonly file: URL }[] = [
  { url: 'https://commerce-supergraph.dev/event/v0.1', file: new URL('./directives/event.graphql', import.meta.url) },
];

const linksSpec = (sdl: string, url: string) => new RegExp(`@link\\(\\s*url:\\s*"${url.replaceAll('.', '\\.')}"`).test(sdl);

/** The files (absolute paths) defining the directives of the specs this SDL links. */
export const sharedDefinitionFiles = (sdl: string): string[] => SPECS.filter(({ url }) => linksSpec(sdl, url)).map(({ file }) => fileURLToPath(file));

/**
 * The SDL with the definitions of the specs it links appended: after its last line, so a location in
 * the subgraph's own file (a composition error's line) stays where it was.
 */
export function withSharedDefinitions(sdl: string): string {
  // Idempotent: an SDL that carries them already (read through here once, then written out) is left as it is.
  const shared = SPECS.filter(({ url }) => linksSpec(sdl, url))
    .map(({ file }) => readFileSync(file, 'utf8'))
    .filter((definitions) => !sdl.includes(definitions.trim()));
  return shared.length === 0 ? sdl : [sdl.endsWith('\n') ? sdl : `${sdl}\n`, ...shared].join('\n');
}

/** A subgraph's schema file, with the shared definitions it links. */
export const readSubgraphSdl = (file: URL | string): string => withSharedDefinitions(readFileSync(file, 'utf8'));
