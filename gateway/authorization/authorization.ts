// The gateway's authorization: `@authenticated`, `@requiresScopes` and `@policy` from the
// supergraph, enforced before the operation is planned (see filter.ts for how, docs/protection.md
// for what the client sees). One GatewayFeature; besides its Apollo plugin it offers the server
// what only it knows: the supergraph as the gateway may load it (`servable`), what makes a
// supergraph unservable (a policy with no evaluator), and the check of a subscription at subscribe.
//
// The seam: Apollo Server resolves the operation, then this plugin's didResolveOperation replaces
// the request's document (and its queryHash, which keys our executor's plan cache) with the
// filtered one; our executor (gateway/executor/native-gateway.ts) plans from `requestContext.document`
// and keys its plans by `queryHash`, so a filtered operation gets a plan of its own and the
// unauthorized fields are never in any subgraph fetch. willSendResponse puts them back as nulls.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { GatewayContext } from '../context.ts';
import type { GatewayFeature } from '../feature.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import {
  DENIED_BY,
  completeResponse,
  filterOperation,
  refusalFor,
  included,
  removedPaths,
  requirementsIn,
  type FilteredOperation,
  type RemovalNode,
  type RequirementUse,
} from './filter.ts';
import { policyNamesOf, readRequirements, servableSupergraph, type Alternatives, type Requirement, type SchemaRequirements } from './requirements.ts';
import type { AuthorizationSettings, PolicyMap, PolicyOperationInfo } from './settings.ts';

const { GraphQLError, getOperationAST, print } = graphqlRuntime;

export interface Authorization extends GatewayFeature {
  /** The supergraph as @apollo/gateway may load it (requirements.ts, servableSupergraph). */
  readonly servable: (sdl: string) => string;
  /** Why this gateway cannot serve `sdl`'s authorization (a policy with no evaluator); empty: it can. */
  readonly problems: (sdl: string) => string[];
  /** A subscription's refusal at subscribe (its field unauthorized; in reject mode, any field), or undefined. */
  readonly checkSubscription: (
    document: DocumentNode,
    operationName: string | undefined,
    variables: Readonly<Record<string, unknown>>,
    viewer: Viewer | null,
  ) => Promise<GraphQLFormattedError[] | undefined>;
}

export interface AuthorizationDependencies {
  readonly log: Logger;
  /** The supergraph served at start: its policies must all have an evaluator. */
  readonly supergraphSdl: string;
  /** Policies given directly (tests); else read from `settings.policyModule` at start. */
  readonly policies?: PolicyMap;
}

interface Served {
  readonly api: GraphQLSchema;
  readonly requirements: SchemaRequirements;
  /** Per operation: the requirements its fields carry (Apollo Server reuses one document per text). */
  readonly analyses: WeakMap<OperationDefinitionNode, Map<string, RequirementUse>>;
  /** Per operation and set of denied requirements: the filtered operation. */
  readonly filtered: WeakMap<OperationDefinitionNode, Map<string, FilteredOperation & { readonly queryHash: string }>>;
}

const satisfied = (alternatives: Alternatives, holds: (name: string) => boolean) => alternatives.some((set) => set.every(holds));

async function loadPolicies(path: string): Promise<PolicyMap> {
  const loaded = (await import(pathToFileURL(path).href)) as { policies?: unknown; default?: unknown };
  const map = loaded.policies ?? loaded.default;
  if (typeof map !== 'object' || map === null) throw new Error(`GATEWAY_POLICY_MODULE: ${path} exports no \`policies\` map`);
  const entries = Object.entries(map);
  const notFunctions = entries.filter(([, evaluator]) => typeof evaluator !== 'function').map(([name]) => name);
  if (notFunctions.length > 0) throw new Error(`GATEWAY_POLICY_MODULE: not functions: ${notFunctions.join(', ')}`);
  return Object.fromEntries(entries) as PolicyMap;
}

export function createAuthorization(settings: AuthorizationSettings, dependencies: AuthorizationDependencies): Authorization | undefined {
  if (settings.mode === 'off') return undefined;
  const log = dependencies.log.child({ component: 'authorization' });
  let policies: PolicyMap = dependencies.policies ?? {};
  let served: Served | undefined;

  const problems = (sdl: string): string[] => {
    const missing = [...policyNamesOf(sdl)].filter((name) => !Object.hasOwn(policies, name));
    return missing.length > 0 ? [`GATEWAY_POLICY_MODULE: the supergraph names policies with no evaluator: ${missing.join(', ')}`] : [];
  };

  /** The requirement keys `viewer` does not meet among `uses`. */
  const deniedKeys = async (uses: Map<string, RequirementUse>, viewer: Viewer | null, info: Omit<PolicyOperationInfo, 'coordinates'>): Promise<Set<string>> => {
    const scopes = new Set(viewer?.scopes ?? []);
    const policyCoordinates = new Map<string, Set<string>>();
    for (const { requirement, coordinates } of uses.values())
      for (const alternatives of requirement.policies)
        for (const set of alternatives)
          for (const name of set) {
            const entry = policyCoordinates.get(name) ?? new Set<string>();
            for (const coordinate of coordinates) entry.add(coordinate);
            policyCoordinates.set(name, entry);
          }
    // Every policy the operation meets, once, at the same time.
    const verdicts = new Map(
      await Promise.all(
        [...policyCoordinates].map(async ([name, coordinates]): Promise<[string, boolean]> => {
          const evaluator = policies[name];
          if (!evaluator) return [name, false];
          try {
            return [name, (await evaluator(viewer, { ...info, coordinates: [...coordinates] })) === true];
          } catch (error) {
            log.error({ err: error, policy: name }, 'a policy failed; its fields are denied');
            return [name, false];
          }
        }),
      ),
    );
    const denies = (requirement: Requirement) =>
      (requirement.authenticated && viewer === null) ||
      !requirement.scopes.every((alternatives) => satisfied(alternatives, (scope) => scopes.has(scope))) ||
      !requirement.policies.every((alternatives) => satisfied(alternatives, (name) => verdicts.get(name) === true));
    return new Set([...uses].filter(([, use]) => denies(use.requirement)).map(([key]) => key));
  };

  const analyse = (state: Served, document: DocumentNode, operation: OperationDefinitionNode): Map<string, RequirementUse> => {
    let uses = state.analyses.get(operation);
    if (!uses) {
      // Only this operation and the fragments it may use are walked.
      uses = requirementsIn(
        { ...document, definitions: document.definitions.filter((definition) => definition === operation || definition.kind === 'FragmentDefinition') },
        state.api,
        state.requirements,
      );
      state.analyses.set(operation, uses);
    }
    return uses;
  };

  const filter = (state: Served, document: DocumentNode, operation: OperationDefinitionNode, denied: Set<string>) => {
    const key = [...denied].sort().join('\n');
    let byDenied = state.filtered.get(operation);
    if (!byDenied) {
      byDenied = new Map();
      state.filtered.set(operation, byDenied);
    }
    let result = byDenied.get(key);
    if (!result) {
      const filtered = filterOperation(document, operation, state.api, state.requirements, (requirement) => denied.has(requirement.key));
      result = { ...filtered, queryHash: createHash('sha256').update(print(filtered.document)).digest('hex') };
      byDenied.set(key, result);
    }
    return result;
  };

  /** What `viewer` may not select in `operation`: undefined when everything is allowed. */
  const decide = async (document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>, viewer: Viewer | null) => {
    const state = served;
    if (!state) return undefined;
    const uses = analyse(state, document, operation);
    if (uses.size === 0) return undefined;
    const denied = await deniedKeys(uses, viewer, { operationName: operation.name?.value, operationType: operation.operation, variables });
    if (denied.size === 0) return undefined;
    return { state, ...filter(state, document, operation, denied) };
  };

  const rejection = (removals: RemovalNode, variables: Readonly<Record<string, unknown>>, signedIn: boolean) => {
    const paths = removedPaths(removals).filter((entry) => included(entry.conditions, variables));
    if (paths.length === 0) return undefined;
    const refusal = refusalFor(signedIn);
    return new GraphQLError(`${refusal.message} (${paths.map((entry) => entry.coordinate).join(', ')})`, {
      extensions: { code: refusal.code, deniedBy: DENIED_BY, paths: paths.map((entry) => entry.path), http: { status: signedIn ? 403 : 401 } },
    });
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      let completion:
        { removals: RemovalNode; rootTypeName: string; api: GraphQLSchema; variables: Readonly<Record<string, unknown>>; refusal: ReturnType<typeof refusalFor> } | undefined;
      let empty = false;
      return {
        async didResolveOperation(requestContext) {
          const { operation, document, request, contextValue } = requestContext;
          if (!operation) return;
          const variables = request.variables ?? {};
          const decision = await decide(document, operation, variables, contextValue.viewer);
          if (!decision) return;
          if (settings.mode === 'reject') {
            const refused = rejection(decision.removals, variables, contextValue.viewer !== null);
            if (refused) throw refused;
            return;
          }
          const filteredOperation = decision.document.definitions[0] as OperationDefinitionNode;
          // Apollo Server types these as read-only; the executor reads them after this hook (the seam above).
          const writable = requestContext as unknown as { document: DocumentNode; operation: OperationDefinitionNode; queryHash: string };
          writable.document = decision.document;
          writable.operation = filteredOperation;
          writable.queryHash = decision.queryHash;
          const rootType = decision.state.api.getRootType(operation.operation);
          completion = {
            removals: decision.removals,
            rootTypeName: rootType?.name ?? 'Query',
            api: decision.state.api,
            variables,
            refusal: refusalFor(contextValue.viewer !== null),
          };
          empty = decision.empty;
        },
        // Nothing left to run: no plan, no fetch.
        async responseForOperation() {
          return empty ? { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: {} } } } : null;
        },
        async willSendResponse({ response }) {
          if (!completion || response.body.kind !== 'single') return;
          const { singleResult } = response.body;
          const data = singleResult.data;
          if (!data) return;
          const errors: GraphQLFormattedError[] = [];
          const completed = completeResponse(data, completion.removals, completion.rootTypeName, completion.api, completion.variables, errors, completion.refusal);
          if (errors.length === 0) return;
          response.body.singleResult = { ...singleResult, data: completed, errors: [...(singleResult.errors ?? []), ...errors] };
        },
      };
    },
  };

  return {
    name: 'authorization',
    apolloPlugins: [plugin],
    servable: servableSupergraph,
    problems,
    schemaChanged({ apiSchema, supergraphSdl }) {
      served = { api: apiSchema, requirements: readRequirements(supergraphSdl, apiSchema), analyses: new WeakMap(), filtered: new WeakMap() };
    },
    async start() {
      if (!dependencies.policies && settings.policyModule) policies = await loadPolicies(settings.policyModule);
      const found = problems(dependencies.supergraphSdl);
      if (found.length > 0) throw new Error(found.join('; '));
    },
    async checkSubscription(document, operationName, variables, viewer) {
      const operation = getOperationAST(document, operationName);
      if (!operation) return undefined;
      const decision = await decide(document, operation, variables, viewer);
      if (!decision) return undefined;
      // The subscription field itself: without it there is nothing to stream. In reject mode, any field.
      const refused =
        settings.mode === 'reject'
          ? removedPaths(decision.removals)
          : decision.removals.removed.map((removed) => ({ path: [removed.responseName], coordinate: removed.coordinate, conditions: removed.conditions }));
      const paths = refused.filter((entry) => included(entry.conditions, variables));
      if (paths.length === 0) return undefined;
      const refusal = refusalFor(viewer !== null);
      return paths.map((entry) => ({ message: refusal.message, path: entry.path, extensions: { code: refusal.code, deniedBy: DENIED_BY } }));
    },
  };
}
