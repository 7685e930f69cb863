// What the supergraph requires of a caller, field by field: `@authenticated`, `@requiresScopes`
// and `@policy` (federation 2.5 / 2.6, the specs Apollo Router enforces), read from the supergraph
// under the names it links them with. As Apollo Router reads them: a requirement on a type holds
// for its fields and for every field returning it; a field on an interface needs what that field
// needs on every implementation too (an interface must not be a way around its objects' rules).
import type { Schema } from '@apollo/federation-internals';
import type { GraphQLField, GraphQLNamedType, GraphQLSchema } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { buildSupergraph } from '../../common/supergraph.ts';

const { getNamedType, isAbstractType, isObjectType, isInterfaceType } = graphqlRuntime;

export const AUTHORIZATION_SPECS = {
  authenticated: 'https://specs.apollo.dev/authenticated',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes',
  policy: 'https://specs.apollo.dev/policy',
} as const;

/** Alternatives (OR) of sets (AND): `[["a", "b"], ["c"]]` is satisfied by a and b together, or by c. */
export type Alternatives = readonly (readonly string[])[];

/** All of it must hold: every listed alternatives list (one per directive application met). */
export interface Requirement {
  readonly authenticated: boolean;
  readonly scopes: readonly Alternatives[];
  readonly policies: readonly Alternatives[];
  /** Stable identity: equal requirements have equal keys. */
  readonly key: string;
}

interface Own {
  authenticated: boolean;
  scopes: Alternatives[];
  policies: Alternatives[];
}

const canonical = (alternatives: Alternatives): Alternatives => alternatives.map((set) => [...new Set(set)].sort()).sort((a, b) => a.join(' ').localeCompare(b.join(' ')));

function requirementOf(parts: readonly (Own | undefined)[]): Requirement | undefined {
  let authenticated = false;
  const scopes = new Map<string, Alternatives>();
  const policies = new Map<string, Alternatives>();
  for (const part of parts) {
    if (!part) continue;
    authenticated ||= part.authenticated;
    for (const alternatives of part.scopes) scopes.set(JSON.stringify(alternatives), alternatives);
    for (const alternatives of part.policies) policies.set(JSON.stringify(alternatives), alternatives);
  }
  if (!authenticated && scopes.size === 0 && policies.size === 0) return undefined;
  const sortedScopes = [...scopes.keys()].sort().map((key) => scopes.get(key)!);
  const sortedPolicies = [...policies.keys()].sort().map((key) => policies.get(key)!);
  return { authenticated, scopes: sortedScopes, policies: sortedPolicies, key: JSON.stringify([authenticated, sortedScopes, sortedPolicies]) };
}

/**
 * The supergraph as @apollo/gateway and the planner load it. Composition links these specs
 * `for: SECURITY`, which tells a gateway that does not enforce them to refuse the supergraph
 * (federation-internals refuses it so); this gateway enforces them, so only with authorization on
 * is the purpose dropped from those three links (nothing else changes).
 */
export function servableSupergraph(sdl: string): string {
  const identities = Object.values(AUTHORIZATION_SPECS).map((identity) => identity.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const link = new RegExp(`(@link\\(url:\\s*"(?:${identities.join('|')})/v[\\d.]+"[^)]*?),\\s*for:\\s*SECURITY`, 'g');
  return sdl.replace(link, '$1');
}

/** Each schema coordinate's own directives (a type's name, or `Type.field`). */
function ownRequirements(schema: Schema): Map<string, Own> {
  const own = new Map<string, Own>();
  const entry = (coordinate: string): Own => {
    let found = own.get(coordinate);
    if (!found) {
      found = { authenticated: false, scopes: [], policies: [] };
      own.set(coordinate, found);
    }
    return found;
  };
  const features = schema.coreFeatures;
  const nameOf = (identity: string, directive: string): string | undefined => features?.getByIdentity(identity)?.directiveNameInSchema(directive);
  const applicationsOf = (name: string | undefined) => (name ? [...(schema.directive(name)?.applications() ?? [])] : []);
  const coordinateOf = (parent: unknown): string | undefined =>
    typeof parent === 'object' && parent !== null && 'coordinate' in parent && typeof parent.coordinate === 'string' ? parent.coordinate : undefined;
  for (const application of applicationsOf(nameOf(AUTHORIZATION_SPECS.authenticated, 'authenticated'))) {
    const coordinate = coordinateOf(application.parent);
    if (coordinate) entry(coordinate).authenticated = true;
  }
  for (const application of applicationsOf(nameOf(AUTHORIZATION_SPECS.requiresScopes, 'requiresScopes'))) {
    const coordinate = coordinateOf(application.parent);
    const scopes: unknown = application.arguments()['scopes'];
    if (coordinate && Array.isArray(scopes)) entry(coordinate).scopes.push(canonical(scopes as string[][]));
  }
  for (const application of applicationsOf(nameOf(AUTHORIZATION_SPECS.policy, 'policy'))) {
    const coordinate = coordinateOf(application.parent);
    const policies: unknown = application.arguments()['policies'];
    if (coordinate && Array.isArray(policies)) entry(coordinate).policies.push(canonical(policies as string[][]));
  }
  return own;
}

export interface SchemaRequirements {
  /** What selecting `field` on `parent` requires; undefined: nothing. */
  readonly of: (parent: GraphQLNamedType, fieldName: string) => Requirement | undefined;
  /** Every policy name the supergraph uses. */
  readonly policyNames: ReadonlySet<string>;
  /** Whether the supergraph uses any of the three directives. */
  readonly any: boolean;
}

function policyNamesIn(own: ReadonlyMap<string, Own>): Set<string> {
  const names = new Set<string>();
  for (const entry of own.values()) for (const alternatives of entry.policies) for (const set of alternatives) for (const name of set) names.add(name);
  return names;
}

/** The policy names a supergraph uses (each needs an evaluator). */
export const policyNamesOf = (sdl: string): Set<string> => policyNamesIn(ownRequirements(buildSupergraph(servableSupergraph(sdl)).schema));

/** The requirements of the supergraph `sdl`, for its API schema `api`. */
export function readRequirements(sdl: string, api: GraphQLSchema): SchemaRequirements {
  const own = ownRequirements(buildSupergraph(servableSupergraph(sdl)).schema);
  const policyNames = policyNamesIn(own);
  const cache = new Map<string, Requirement | undefined>();
  const fieldParts = (typeName: string, field: GraphQLField<unknown, unknown>): (Own | undefined)[] => [
    own.get(`${typeName}.${field.name}`),
    own.get(typeName),
    own.get(getNamedType(field.type).name),
  ];
  return {
    policyNames,
    any: own.size > 0,
    of(parent, fieldName) {
      if (own.size === 0 || fieldName.startsWith('__')) return undefined;
      const coordinate = `${parent.name}.${fieldName}`;
      if (cache.has(coordinate)) return cache.get(coordinate);
      const parts: (Own | undefined)[] = [];
      if (isObjectType(parent) || isInterfaceType(parent)) {
        const field = parent.getFields()[fieldName];
        if (field) parts.push(...fieldParts(parent.name, field));
      }
      if (isAbstractType(parent)) {
        for (const possible of api.getPossibleTypes(parent)) {
          const field = possible.getFields()[fieldName];
          if (field) parts.push(...fieldParts(possible.name, field));
        }
      }
      const requirement = requirementOf(parts);
      cache.set(coordinate, requirement);
      return requirement;
    },
  };
}
