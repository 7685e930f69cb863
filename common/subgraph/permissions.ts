import { allow, deny, shield, type IRules } from 'graphql-shield';
import { forbidden } from '../errors.ts';

/** A rule or a logic rule (and, or, chain...): graphql-shield's ShieldRule, which its root does not export. */
export type ShieldRule = Extract<IRules, { resolve: unknown }>;

/** Any service's shield map, as the runner hands it to graphql-shield. */
export interface ShieldRules {
  readonly [type: string]: ShieldRule | { readonly [field: string]: ShieldRule | undefined } | undefined;
}

/** Keys a codegen'd `ResolversObject` declares, without its `Record<string, any>` index signature. */
type DeclaredKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: unknown };

/** A type's fields as its resolver type names them, without federation's and graphql's `__` hooks. */
type FieldsOf<TTypeResolvers> = Exclude<DeclaredKeys<NonNullable<TTypeResolvers>>, `__${string}`>;

/**
 * A subgraph's shield map typed from its codegen'd `Resolvers` (subgraphs/<name>/generated/graphql.ts):
 * one rule for a whole type, or a rule per field, with `'*'` for the fields not named. A type or a
 * field the schema does not have fails the type-check instead of being a rule that never applies
 * (a misspelt field would otherwise fall to the deny-by-default rule, only found at run time).
 */
export type PermissionsFor<TResolvers> = {
  readonly [T in DeclaredKeys<TResolvers>]?: ShieldRule | ({ readonly [F in FieldsOf<TResolvers[T]>]?: ShieldRule } & { readonly '*'?: ShieldRule });
};

/**
 * Wraps a service's rule tree in graphql-shield, deny by default: a field with no rule is
 * refused with FORBIDDEN. The federation entry points are allowed here because only the
 * gateway can reach a subgraph at all (its credential is checked before GraphQL runs), and
 * the fields of entities reached through `_entities` still pass through their own rules.
 */
export function subgraphShield(rules: ShieldRules) {
  const query = (rules['Query'] ?? {}) as Record<string, ShieldRule>;
  return shield(
    {
      ...(rules as IRules as Record<string, ShieldRule>),
      Query: { ...query, _service: allow, _entities: allow },
      _Service: allow,
    },
    {
      fallbackRule: deny,
      fallbackError: () => forbidden('Access to this field is not granted.'),
      allowExternalErrors: true,
      debug: false,
    },
  );
}

export { allow, deny };
