import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type FieldNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { GatewayContext } from '../context.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { RateLimitMetrics } from './rate-limit-metrics.ts';
import type { RateLimiters } from './rate-limiter.ts';

const GUARDED = new Set(['logIn', 'signUp']);

function emailOf(field: FieldNode, variables: Record<string, unknown>): string | undefined {
  const input = field.arguments?.find((argument) => argument.name.value === 'input')?.value;
  const valueOf = (node: ValueNode | undefined): unknown => {
    if (!node) return undefined;
    if (node.kind === Kind.VARIABLE) return variables[node.name.value];
    if (node.kind === Kind.STRING) return node.value;
    if (node.kind === Kind.OBJECT) return Object.fromEntries(node.fields.map((entry) => [entry.name.value, valueOf(entry.value)]));
    return undefined;
  };
  const resolved = valueOf(input);
  const email = typeof resolved === 'object' && resolved !== null ? (resolved as { email?: unknown }).email : undefined;
  return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
}

function guardedFields(operation: OperationDefinitionNode): FieldNode[] {
  if (operation.operation !== 'mutation') return [];
  return operation.selectionSet.selections.filter((selection): selection is FieldNode => selection.kind === Kind.FIELD && GUARDED.has(selection.name.value));
}

/**
 * A stricter budget for logIn and signUp against brute force: failed log-ins count per client IP
 * and per account (so rotating IPs does not help against one account), sign-ups per IP. Once a
 * budget is spent the mutation is refused with RATE_LIMITED (HTTP 429) before it reaches accounts.
 */
export function authThrottlePlugin(limiters: RateLimiters, rejections: RateLimitMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      let keys: string[] = [];
      let countEveryAttempt = false;
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation) return;
          for (const field of guardedFields(operation)) {
            const email = emailOf(field, request.variables ?? {});
            keys = [`ip:${contextValue.clientIp ?? 'unknown'}`, ...(email && field.name.value === 'logIn' ? [`account:${email}`] : [])];
            countEveryAttempt ||= field.name.value === 'signUp';
          }
          if (keys.length === 0) return;
          const blocked = await limiters.authBlocked(keys);
          if (blocked) {
            rejections.inc({ budget: 'auth' });
            const headers = new HeaderMap(Object.entries(rateLimitHeaders(blocked)));
            throw new GraphQLError('Too many attempts; try again later.', {
              extensions: { code: 'RATE_LIMITED', retryAfterSeconds: blocked.resetSeconds, http: { status: 429, headers } },
            });
          }
        },
        async willSendResponse({ response }) {
          if (keys.length === 0) return;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const failed = errors.some((error) => error.extensions?.['code'] === 'INVALID_CREDENTIALS');
          if (failed || countEveryAttempt) await limiters.authFailed(countEveryAttempt && !failed ? keys.filter((key) => key.startsWith('ip:')) : keys);
        },
      };
    },
  };
}
