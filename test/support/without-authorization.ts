// A supergraph without its authorization (@authenticated, @requiresScopes, @policy, their links and
// definitions): for comparing our executor with @apollo/gateway's, which enforces none of it (and
// refuses a supergraph that links it for SECURITY). Authorization has its own tests
// (gateway/authorization/, test/e2e/authorization.test.ts).
import type { ConstDirectiveNode, DirectiveNode } from 'graphql';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';

const { Kind, parse, print, visit } = graphqlRuntime;
const NAMES = new Set(['authenticated', 'requiresScopes', 'policy']);
const SCALARS = new Set(['requiresScopes__Scope', 'policy__Policy']);
const SPEC = /^https:\/\/specs\.apollo\.dev\/(authenticated|requiresScopes|policy)\//;

const isAuthorizationLink = (directive: DirectiveNode | ConstDirectiveNode) =>
  directive.name.value === 'link' &&
  directive.arguments?.some((argument) => argument.name.value === 'url' && argument.value.kind === Kind.STRING && SPEC.test(argument.value.value)) === true;

export function withoutAuthorization(supergraphSdl: string): string {
  const stripped = visit(parse(supergraphSdl), {
    Directive: (node) => (NAMES.has(node.name.value) || isAuthorizationLink(node) ? null : undefined),
    DirectiveDefinition: (node) => (NAMES.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (SCALARS.has(node.name.value) ? null : undefined),
  });
  return `${print(stripped)}\n`;
}
