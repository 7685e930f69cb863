// Batched fetches (GATEWAY_BATCH_FETCHES): queries for one subgraph made for one caller at the
// same moment go as one GraphQL request, as Hive Gateway's "batch fetches" do. Each query's root
// fields get an alias, its variables and fragments a name, that are its own (`_b<i>_` + the
// original); the answer is split back into the answer each query would have had alone. Anything
// the split cannot attribute to one query (no data: a non-null root field failed and nulled its
// siblings too; an error without a path) makes each query go alone instead, so every answer is
// the one it would have been.
import {
  Kind,
  OperationTypeNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { SubgraphRequest, SubgraphResponse } from '../fetch/fetch-types.ts';

const { parse, print, stripIgnoredCharacters, visit } = graphqlRuntime;

export interface Batch {
  /** The one request that stands for all of them. */
  readonly request: SubgraphRequest;
  /** Each request's own answer, in request order; undefined when it cannot be split (send each alone). */
  split(response: SubgraphResponse): SubgraphResponse[] | undefined;
}

interface Batchable {
  readonly operation: OperationDefinitionNode;
  readonly fragments: readonly FragmentDefinitionNode[];
}

const prefixOf = (index: number) => `_b${index}_`;
const PREFIX = /^_b(\d+)_/;

// The planner sends the same few documents over and over: each is parsed once, each combination printed once.
const CACHE_LIMIT = 1_000;
const parsed = new Map<string, Batchable | null>();
const combined = new Map<string, string>();
function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** A query whose root selections are all fields (so each can carry an alias of its own), else null. */
function batchableOf(query: string): Batchable | null {
  const known = parsed.get(query);
  if (known !== undefined) return known;
  let result: Batchable | null = null;
  try {
    const document = parse(query);
    const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    const fragments = document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION);
    const operation = operations[0];
    if (
      operations.length === 1 &&
      operation &&
      operation.operation === OperationTypeNode.QUERY &&
      fragments.length + 1 === document.definitions.length &&
      !operation.directives?.length &&
      operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD)
    )
      result = { operation, fragments };
  } catch {
    result = null; // the subgraph says what is wrong with it, alone
  }
  return remember(parsed, query, result);
}

// One query's definitions with its own names: variables and fragments renamed, root fields aliased.
function renamed(batchable: Batchable, prefix: string): DefinitionNode[] {
  const rename = <T extends DefinitionNode>(definition: T): T =>
    visit(definition, {
      Variable: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
      FragmentSpread: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
      FragmentDefinition: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
    });
  const operation = rename(batchable.operation);
  const fields = (operation.selectionSet.selections as readonly FieldNode[]).map((field): FieldNode => ({
    ...field,
    alias: { kind: Kind.NAME, value: prefix + (field.alias?.value ?? field.name.value) },
  }));
  return [{ ...operation, selectionSet: { ...operation.selectionSet, selections: fields } }, ...batchable.fragments.map(rename)];
}

function combinedQuery(members: readonly Batchable[], queries: readonly string[], operationName: string): string {
  const key = `${operationName}\u0000${queries.join('\u0000')}`;
  const known = combined.get(key);
  if (known !== undefined) return known;
  const definitions = members.map((member, index) => renamed(member, prefixOf(index)));
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: { kind: Kind.NAME, value: operationName },
    variableDefinitions: definitions.flatMap(([definition]) => (definition as OperationDefinitionNode).variableDefinitions ?? []),
    selectionSet: { kind: Kind.SELECTION_SET, selections: definitions.flatMap(([definition]) => (definition as OperationDefinitionNode).selectionSet.selections) },
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...definitions.flatMap((own) => own.slice(1))] };
  return remember(combined, key, stripIgnoredCharacters(print(document)));
}

/** One request for several queries to one subgraph; undefined when one of them cannot be batched (send each alone). */
export function batchOf(requests: readonly SubgraphRequest[]): Batch | undefined {
  if (requests.length < 2) return undefined;
  const members: Batchable[] = [];
  for (const request of requests) {
    const batchable = batchableOf(request.query);
    if (!batchable) return undefined;
    members.push(batchable);
  }
  const operationName = `${requests[0]?.operationName ?? 'Query'}__batch${requests.length}`;
  const variables: Record<string, unknown> = {};
  requests.forEach((request, index) => {
    const prefix = prefixOf(index);
    for (const [name, value] of Object.entries(request.variables ?? {})) variables[prefix + name] = value;
  });
  const query = combinedQuery(
    members,
    requests.map((request) => request.query),
    operationName,
  );
  return { request: { query, operationName, variables }, split: (response) => splitResponse(response, requests.length) };
}

function splitResponse(response: SubgraphResponse, count: number): SubgraphResponse[] | undefined {
  const { data, errors, extensions } = response;
  if (data === null || typeof data !== 'object') return undefined;
  const datas = Array.from({ length: count }, () => Object.create(null) as Record<string, unknown>);
  for (const [key, value] of Object.entries(data)) {
    const match = PREFIX.exec(key);
    const own = match ? datas[Number(match[1])] : undefined;
    if (!match || !own) return undefined;
    own[key.slice(match[0].length)] = value;
  }
  const errorsOf: GraphQLFormattedError[][] = Array.from({ length: count }, () => []);
  for (const error of errors ?? []) {
    const head = error.path?.[0];
    const match = typeof head === 'string' ? PREFIX.exec(head) : null;
    const own = match ? errorsOf[Number(match[1])] : undefined;
    if (!match || !own || !error.path) return undefined;
    // Locations point into the combined document, not into the query the error belongs to.
    const { locations: _locations, ...rest } = error;
    own.push({ ...rest, path: [(head as string).slice(match[0].length), ...error.path.slice(1)] });
  }
  return datas.map((own, index) => ({
    data: own,
    ...(errorsOf[index]!.length > 0 ? { errors: errorsOf[index] } : {}),
    ...(extensions ? { extensions } : {}),
  }));
}
