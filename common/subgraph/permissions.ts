import { allow, deny, shield, type IRules } from 'graphql-shield';
import { forbidden } from '../errors.ts';

/**
 * Wraps a service's rule tree in graphql-shield, deny by default: a field with no rule is
 * refused with FORBIDDEN. The federation entry points are allowed here because only the
 * gateway can reach a subgraph at all (its credential is checked before GraphQL runs), and
 * the fields of entities reached through `_entities` still pass through their own rules.
 */
export function subgraphShield(rules: IRules) {
  const tree = rules as Record<string, unknown>;
  const query = (tree['Query'] ?? {}) as Record<string, unknown>;
  return shield(
    {
      ...tree,
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
