import { composeServices } from '@apollo/composition';
import { GraphQLError, Source, parse, visit, type ASTNode, type DocumentNode } from './graphql.ts';
import type { SubgraphSource } from './supergraph-config.ts';

/** Where in a subgraph's schema file a composition error or hint points. */
export interface CompositionLocation {
  readonly subgraph: string;
  /** The subgraph's schema file, as supergraph.yaml names it (resolved). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The schema coordinate there: `Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `@directive`. */
  readonly coordinate?: string;
}

export interface CompositionIssue {
  readonly severity: 'error' | 'hint';
  readonly code: string;
  readonly message: string;
  /** Every subgraph involved: the ones the locations point into, and the ones the message names. */
  readonly subgraphs: readonly string[];
  /** The schema coordinate the issue is about, when composition or the locations tell one. */
  readonly coordinate?: string;
  readonly locations: readonly CompositionLocation[];
}

export type CompositionResult =
  { ok: true; supergraphSdl: string; hints: string[]; issues: CompositionIssue[] } | { ok: false; errors: string[]; hints: string[]; issues: CompositionIssue[] };

type ParsedSubgraph = { readonly source: SubgraphSource; readonly document: DocumentNode; readonly coordinates: Map<string, string> };

const keyOf = (node: ASTNode) => `${node.loc?.start}:${node.loc?.end}`;

/** Maps every node of a subgraph document (by its position) to the schema coordinate it sits in. */
function coordinatesOf(document: DocumentNode): Map<string, string> {
  const coordinates = new Map<string, string>();
  const stack: string[] = [];
  const enter = (name: string) => (node: ASTNode) => {
    stack.push(name);
    coordinates.set(keyOf(node), name);
  };
  const leave = () => void stack.pop();
  const typeLike = { enter: (node: { name: { value: string } } & ASTNode) => enter(node.name.value)(node), leave };
  visit(document, {
    ObjectTypeDefinition: typeLike,
    ObjectTypeExtension: typeLike,
    InterfaceTypeDefinition: typeLike,
    InterfaceTypeExtension: typeLike,
    InputObjectTypeDefinition: typeLike,
    InputObjectTypeExtension: typeLike,
    EnumTypeDefinition: typeLike,
    EnumTypeExtension: typeLike,
    UnionTypeDefinition: typeLike,
    UnionTypeExtension: typeLike,
    ScalarTypeDefinition: typeLike,
    ScalarTypeExtension: typeLike,
    DirectiveDefinition: { enter: (node) => enter(`@${node.name.value}`)(node), leave },
    FieldDefinition: { enter: (node) => enter(`${stack.at(-1)}.${node.name.value}`)(node), leave },
    InputValueDefinition: {
      enter: (node) => {
        const parent = stack.at(-1) ?? '';
        // An argument of a field or directive: `Type.field(arg:)`; a field of an input type: `Input.field`.
        const isArgument = parent.includes('.') || parent.startsWith('@');
        enter(isArgument ? `${parent}(${node.name.value}:)` : `${parent}.${node.name.value}`)(node);
      },
      leave,
    },
    EnumValueDefinition: { enter: (node) => enter(`${stack.at(-1)}.${node.name.value}`)(node), leave },
    enter(node) {
      if (!coordinates.has(keyOf(node)) && stack.length > 0) coordinates.set(keyOf(node), stack.at(-1)!);
    },
  });
  return coordinates;
}

function locationsOf(nodes: readonly ASTNode[] | undefined, subgraphs: ReadonlyMap<string, ParsedSubgraph>): CompositionLocation[] {
  const locations: CompositionLocation[] = [];
  for (const node of nodes ?? []) {
    // Composition tags the nodes it reports with the subgraph they come from.
    const name = (node as { subgraph?: unknown }).subgraph ?? node.loc?.source.name;
    const subgraph = typeof name === 'string' ? subgraphs.get(name) : undefined;
    if (!subgraph || !node.loc) continue;
    const coordinate = subgraph.coordinates.get(keyOf(node));
    locations.push({
      subgraph: subgraph.source.name,
      file: subgraph.source.file,
      line: node.loc.startToken.line,
      column: node.loc.startToken.column,
      ...(coordinate ? { coordinate } : {}),
    });
  }
  const seen = new Set<string>();
  return locations.filter((location) => {
    const key = `${location.subgraph}:${location.line}:${location.column}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function issue(
  severity: CompositionIssue['severity'],
  code: string,
  message: string,
  locations: CompositionLocation[],
  subgraphNames: readonly string[],
  coordinate?: string,
): CompositionIssue {
  // Subgraphs the message names (`subgraph "catalog"`, `subgraphs "a" and "b"`) count as involved too.
  const named = subgraphNames.filter((name) => new RegExp(`"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(message));
  const involved = [...new Set([...locations.map((location) => location.subgraph), ...named])];
  const where = coordinate ?? locations.find((location) => location.coordinate)?.coordinate;
  return { severity, code, message, subgraphs: involved, locations, ...(where ? { coordinate: where } : {}) };
}

/** One line per issue, then one indented line per place: what a person reads in a terminal. */
export function formatIssue(entry: CompositionIssue, relativeTo: (file: string) => string = (file) => file): string {
  const head = `${entry.severity} [${entry.code}]${entry.coordinate ? ` ${entry.coordinate}` : ''}${
    entry.subgraphs.length ? ` (subgraphs: ${entry.subgraphs.join(', ')})` : ''
  }: ${entry.message}`;
  const places = entry.locations.map(
    (location) => `    at ${location.subgraph}: ${relativeTo(location.file)}:${location.line}:${location.column}${location.coordinate ? ` (${location.coordinate})` : ''}`,
  );
  return [head, ...places].join('\n');
}

/**
 * Composes subgraph SDLs with Apollo's own composition (what rover runs). Every error and hint
 * names the subgraphs involved and where: file, line, column and schema coordinate. A subgraph
 * whose SDL does not even parse is reported the same way, naming that subgraph.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): CompositionResult {
  const parsed = new Map<string, ParsedSubgraph>();
  const syntaxErrors: CompositionIssue[] = [];
  for (const source of subgraphs) {
    try {
      // The source is named after its subgraph so every location says which subgraph it is in.
      const document = parse(new Source(source.sdl, source.name));
      parsed.set(source.name, { source, document, coordinates: coordinatesOf(document) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const [at] = error.locations ?? [];
      syntaxErrors.push({
        severity: 'error',
        code: 'GRAPHQL_PARSE_FAILED',
        message: `[${source.name}] ${error.message}`,
        subgraphs: [source.name],
        locations: at ? [{ subgraph: source.name, file: source.file, line: at.line, column: at.column }] : [],
      });
    }
  }
  const names = subgraphs.map((subgraph) => subgraph.name);
  const render = (issues: CompositionIssue[]) => issues.map((entry) => formatIssue(entry));
  if (syntaxErrors.length > 0) return { ok: false, errors: render(syntaxErrors), hints: [], issues: syntaxErrors };

  const result = composeServices([...parsed.values()].map(({ source, document }) => ({ name: source.name, url: source.url, typeDefs: document })));
  const hints = (result.hints ?? []).map((hint) => issue('hint', hint.definition.code, hint.message, locationsOf(hint.nodes, parsed), names, hint.coordinate));
  if (result.errors) {
    const errors = result.errors.map((error) =>
      issue('error', typeof error.extensions['code'] === 'string' ? error.extensions['code'] : 'COMPOSITION_ERROR', error.message, locationsOf(error.nodes, parsed), names),
    );
    return { ok: false, errors: render(errors), hints: render(hints), issues: [...errors, ...hints] };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl, hints: render(hints), issues: hints };
}
