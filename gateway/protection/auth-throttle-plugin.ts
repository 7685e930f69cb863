import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError, Kind, OperationTypeNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import type { GatewayContext } from '../context.ts';
import { collectFields, graphqlRuntime } from '../graphql-runtime.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { RateLimitMetrics } from './rate-limit-metrics.ts';
import type { RateLimiters } from './rate-limiter.ts';

/** Which mutation fields are under the brute-force budget, and how they count (from configuration). */
export interface AuthThrottleSettings {
  /** Fields that check a password: an attempt counts per IP and per account unless it succeeds. */
  readonly credentialChecks: readonly { readonly field: string; readonly accountArgument: readonly string[] }[];
  /** Fields whose every attempt counts per IP (account creation). */
  readonly everyAttempt: readonly string[];
  /** Fields whose failures count per IP, with no account to name (a session refresh: its token family is counted by accounts). */
  readonly failuresPerIp?: readonly string[];
}

interface Attempt {
  readonly responseKey: string;
  readonly keys: readonly string[];
  /** Given back when the field answers with data (a log-in that succeeded). */
  readonly refundOnSuccess: boolean;
}

const at = (value: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((current, step) => (typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[step] : undefined), value);

/**
 * The guarded fields this operation will really execute, one per response key: what graphql-js runs
 * after fragments (inline, named, nested) are expanded and @skip/@include are decided with the
 * request's variables. Aliases are separate executions; the same key twice is one.
 */
function attemptsOf(
  settings: AuthThrottleSettings,
  schema: GraphQLSchema,
  document: { readonly definitions: readonly { readonly kind: Kind }[] },
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  clientIp: string,
): Attempt[] {
  const mutationType = schema.getMutationType();
  if (operation.operation !== OperationTypeNode.MUTATION || !mutationType) return [];
  // Variables that do not coerce fail execution before any field runs: nothing to count.
  const coerced = graphqlRuntime.getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return [];
  const fragments = Object.fromEntries(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const credentialChecks = new Map(settings.credentialChecks.map((check) => [check.field, check.accountArgument]));
  const attempts: Attempt[] = [];
  for (const [responseKey, nodes] of collectFields(schema, fragments, coerced.coerced, mutationType, operation.selectionSet)) {
    const node = nodes[0];
    const fieldName = node?.name.value;
    if (!node || fieldName === undefined) continue;
    const ipKey = `ip:${clientIp}`;
    const accountArgument = credentialChecks.get(fieldName);
    if (accountArgument) {
      const definition = mutationType.getFields()[fieldName];
      const account = definition ? at(graphqlRuntime.getArgumentValues(definition, node, coerced.coerced), accountArgument) : undefined;
      const accountKeys = typeof account === 'string' ? [`account:${account.trim().toLowerCase()}`] : [];
      attempts.push({ responseKey, keys: [ipKey, ...accountKeys], refundOnSuccess: true });
    } else if (settings.everyAttempt.includes(fieldName)) {
      attempts.push({ responseKey, keys: [ipKey], refundOnSuccess: false });
    } else if (settings.failuresPerIp?.includes(fieldName)) {
      attempts.push({ responseKey, keys: [ipKey], refundOnSuccess: true });
    }
  }
  return attempts;
}

/**
 * A stricter budget for the guarded mutations (log-in, sign-up) against brute force. Every
 * execution of a guarded field is drawn from the budget before the operation runs, however the
 * operation is written; a log-in that succeeds is given back afterwards, so only failures stay
 * counted (per client IP and per account, so rotating IPs does not help against one account).
 * Once a budget is spent the operation is refused with RATE_LIMITED (HTTP 429) before it reaches
 * a subgraph.
 */
export function authThrottlePlugin(settings: AuthThrottleSettings, limiters: RateLimiters, rejections: RateLimitMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      let attempts: Attempt[] = [];
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          attempts = attemptsOf(settings, schema, document, operation, request.variables ?? {}, contextValue.clientIp ?? 'unknown');
          if (attempts.length === 0) return;
          const draws = new Map<string, number>();
          for (const key of attempts.flatMap((attempt) => attempt.keys)) draws.set(key, (draws.get(key) ?? 0) + 1);
          const refusal = await limiters.authAttempt(draws);
          if (!refusal) return;
          attempts = [];
          rejections.inc({ budget: 'auth' });
          const headers = new HeaderMap(Object.entries(rateLimitHeaders(refusal)));
          throw new GraphQLError('Too many attempts; try again later.', {
            extensions: { code: ErrorCode.rateLimited, retryAfterSeconds: refusal.resetSeconds, http: { status: 429, headers } },
          });
        },
        async willSendResponse({ response }) {
          const refundable = attempts.filter((attempt) => attempt.refundOnSuccess);
          if (refundable.length === 0) return;
          const data = response.body.kind === 'single' ? response.body.singleResult.data : undefined;
          for (const attempt of refundable) {
            if (data?.[attempt.responseKey] != null) await limiters.authRefund(attempt.keys);
          }
        },
      };
    },
  };
}
