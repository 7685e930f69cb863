// What every subscription transport (graphql-ws, multipart, SSE) does the same way, written once:
// authenticating a token, preparing the operation, the refusals (each counted by reason in
// gateway_subscriptions_refused_total), the per-user slots, opening the event stream, the token's
// expiry timer (counted in gateway_websocket_timers) and the delivery metrics. Transports keep
// only their framing: how a refusal, a result or the end is written on their wire.
import type { FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import { HttpError } from '../../common/http/http-error.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { VerifiedAccessToken } from '../auth/access-token-verifier.ts';
import type { SubscriptionLimits } from '../config.ts';
import type { EventField } from './event-fields.ts';
import type { EventHub } from './event-hub.ts';
import { openEventSubscription, type SubscriptionStream } from './event-subscription.ts';
import type { FederatedExecutor } from './federated-executor.ts';
import { prepareOperation, type OperationRequest, type PreparedOperation, type PreparedSubscription, type ServingSchema } from './operation.ts';
import { recordDelivery, type SubscriptionMetrics } from './subscription-metrics.ts';
import type { SubscriptionSlots } from './subscription-slots.ts';

/** `extensions.code` of a subscription refused by a limit. */
export const SUBSCRIPTION_LIMIT_REACHED = ErrorCode.subscriptionLimitReached;

// setTimeout takes at most 2^31 - 1 ms (24.8 days); a longer token is checked again then.
const MAX_TIMER_MS = 2_147_483_647;

export type Authenticated =
  | { readonly ok: true; readonly viewer: Viewer; readonly expiresAt: number }
  | {
      readonly ok: false;
      /** `invalid`: a bad token (401 UNAUTHENTICATED); `unavailable`: tokens cannot be verified now (503). */
      readonly kind: 'invalid' | 'unavailable' | 'internal';
      /** `TOKEN_EXPIRED`, `TOKEN_SIGNATURE_INVALID`, …, or the HttpError itself for HTTP transports. */
      readonly reason: string;
      readonly error: HttpError;
    };

/** A refusal: its metric reason, the HTTP status an HTTP transport answers with, and the errors. */
export interface Refusal {
  readonly reason: string;
  readonly status: number;
  readonly errors: readonly GraphQLFormattedError[];
}

export type Opened = { readonly ok: true; readonly stream: SubscriptionStream; readonly operation: PreparedSubscription } | ({ readonly ok: false } & Refusal);

export interface SubscriptionSessions {
  /** Verifies an `authorization` value (`Bearer <jwt>`); a bad one is counted. */
  authenticate(authorization: unknown): Promise<Authenticated>;
  /** The schema now, or undefined while the gateway starts. */
  schema(): ServingSchema | undefined;
  /** Parses and validates; errors are what the client gets (not counted as refusals). */
  prepare(schema: ServingSchema, request: OperationRequest): PreparedOperation | GraphQLError[];
  /**
   * Checks `prepared` against the rules (a subscription, a signed-in viewer, the connection's and the
   * user's limits), takes a slot and opens the stream; `onEnd` runs once when it ends, whatever ends it.
   */
  open(args: {
    readonly request: OperationRequest;
    readonly prepared: PreparedOperation;
    readonly viewer: Viewer | null;
    readonly perConnection?: { readonly open: number };
    readonly onEnd?: () => void;
  }): Promise<Opened>;
  /**
   * The supergraph changed: each open subscription is checked against `schema` again. One still
   * valid, served the same way, keeps streaming; any other ends with SUBSCRIPTION_SCHEMA_RELOAD.
   */
  revalidate(schema: ServingSchema): { readonly kept: number; readonly ended: number };
  /** Counts a refusal decided by the transport itself (too many connections, stopping, …). */
  refused(reason: string): void;
  /** Calls `onExpire` when the token reaches `expiresAt`; returns the cancel. The timer is counted while it runs. */
  watchExpiry(expiresAt: number, onExpire: () => void): () => void;
  /** Counts a result sent to a client. */
  delivered(result: FormattedExecutionResult): void;
  /** Open streams (every transport). */
  count(): number;
}

export interface SubscriptionSessionOptions {
  readonly limits: Pick<SubscriptionLimits, 'maxPerUser' | 'maxPerConnection'>;
  readonly verify: (authorization: string) => Promise<VerifiedAccessToken>;
  readonly schema: () => ServingSchema | undefined;
  readonly hub: EventHub;
  readonly executor: FederatedExecutor;
  readonly slots: SubscriptionSlots;
  readonly metrics: SubscriptionMetrics;
  readonly log: Logger;
  /** The gateway's authorization of the client's operation (gateway/authorization/): errors refuse the subscribe. */
  readonly authorize?: (
    document: PreparedSubscription['document'],
    operationName: string | undefined,
    variables: Readonly<Record<string, unknown>>,
    viewer: Viewer | null,
  ) => Promise<readonly GraphQLFormattedError[] | undefined>;
}

const sameDeclaration = (a: EventField, b: EventField) =>
  JSON.stringify({ ...a, stateRank: [...a.stateRank], completeOn: [...a.completeOn] }) === JSON.stringify({ ...b, stateRank: [...b.stateRank], completeOn: [...b.completeOn] });

const STATUS: Readonly<Record<string, number>> = { not_subscription: 400, unauthenticated: 401, per_connection: 429, per_user: 429, not_found: 200, unauthorized: 403 };

export function createSubscriptionSessions(options: SubscriptionSessionOptions): SubscriptionSessions {
  const { limits, metrics, slots, hub, executor } = options;
  const log = options.log.child({ component: 'subscription-sessions' });
  const open = new Map<SubscriptionStream, { readonly request: OperationRequest; readonly prepared: PreparedSubscription }>();

  const refuse = (reason: string, errors: readonly GraphQLFormattedError[]): { ok: false } & Refusal => {
    metrics.refused.inc({ reason });
    return { ok: false, reason, status: STATUS[reason] ?? 400, errors };
  };
  const error = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLFormattedError => ({ message, extensions: { ...extensions, code } });

  return {
    async authenticate(authorization) {
      const fail = (kind: 'invalid' | 'unavailable' | 'internal', reason: string, httpError: HttpError): Authenticated => {
        metrics.refused.inc({ reason: kind === 'invalid' ? 'token_invalid' : kind === 'unavailable' ? 'auth_unavailable' : 'internal' });
        return { ok: false, kind, reason, error: httpError };
      };
      if (typeof authorization !== 'string') {
        return fail('invalid', 'TOKEN_MALFORMED', new HttpError(401, ErrorCode.unauthenticated, 'The token is malformed.', {}, { reason: 'TOKEN_MALFORMED' }));
      }
      try {
        const { viewer, expiresAt } = await options.verify(authorization);
        if (expiresAt <= Date.now())
          return fail('invalid', 'TOKEN_EXPIRED', new HttpError(401, ErrorCode.unauthenticated, 'The token has expired.', {}, { reason: 'TOKEN_EXPIRED' }));
        return { ok: true, viewer, expiresAt };
      } catch (caught) {
        if (caught instanceof HttpError && caught.status === 401) return fail('invalid', String(caught.extensions['reason'] ?? caught.code), caught);
        if (caught instanceof HttpError && caught.status === 503) return fail('unavailable', ErrorCode.authUnavailable, caught);
        log.error({ err: caught }, 'verifying a subscriber token failed');
        return fail('internal', 'INTERNAL', new HttpError(500, ErrorCode.internal, 'Internal server error.'));
      }
    },

    schema: options.schema,
    prepare: prepareOperation,

    async open({ request, prepared, viewer, perConnection, onEnd }) {
      if (prepared.kind === 'execution') {
        // Over plain HTTP they pass the request budget (rate limits, client IP); here they would not.
        return refuse('not_subscription', [error(ErrorCode.badRequest, 'Only subscriptions are served here; send queries and mutations as plain GraphQL requests over HTTP.')]);
      }
      if (!viewer) {
        return refuse('unauthenticated', [error(ErrorCode.unauthenticated, 'Sign in to subscribe: send { authorization: "Bearer <token>" } in the connection_init payload.')]);
      }
      const unauthorized = await options.authorize?.(prepared.document, request.operationName ?? undefined, request.variables ?? {}, viewer);
      if (unauthorized) return refuse('unauthorized', unauthorized);
      if (perConnection && perConnection.open >= limits.maxPerConnection) {
        return refuse('per_connection', [
          error(SUBSCRIPTION_LIMIT_REACHED, `At most ${limits.maxPerConnection} subscriptions per connection.`, { limit: 'SUBSCRIPTIONS_MAX_PER_CONNECTION' }),
        ]);
      }
      // The slot is taken from here until the subscription ends, whatever ends it.
      const slot = slots.take(viewer.id);
      if (!slot) {
        return refuse('per_user', [error(SUBSCRIPTION_LIMIT_REACHED, `At most ${limits.maxPerUser} subscriptions per user at once.`, { limit: 'SUBSCRIPTIONS_MAX_PER_USER' })]);
      }
      let stream: SubscriptionStream | undefined;
      let finished = false;
      const ended = () => {
        finished = true;
        slot.release();
        if (stream) open.delete(stream);
        onEnd?.();
      };
      let opened;
      try {
        opened = await openEventSubscription({ operation: prepared, viewer, hub, executor, log, onEnd: ended });
      } catch (caught) {
        slot.release();
        throw caught;
      }
      if (!opened.ok) return refuse('not_found', opened.errors);
      stream = opened.stream;
      if (!finished) open.set(stream, { request, prepared }); // (one already in a final state has ended)
      return { ok: true, stream, operation: prepared };
    },

    refused: (reason) => metrics.refused.inc({ reason }),

    watchExpiry(expiresAt, onExpire) {
      let timer: NodeJS.Timeout | undefined;
      const clear = () => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        metrics.timers.dec();
      };
      const schedule = () => {
        metrics.timers.inc();
        timer = setTimeout(
          () => {
            timer = undefined;
            metrics.timers.dec();
            if (Date.now() < expiresAt) return schedule();
            onExpire();
          },
          Math.max(0, Math.min(expiresAt - Date.now(), MAX_TIMER_MS)),
        );
      };
      schedule();
      return clear;
    },

    delivered: (result) => recordDelivery(metrics, result),
    count: () => open.size,

    revalidate(schema) {
      let kept = 0;
      let ended = 0;
      for (const [stream, { request, prepared }] of [...open]) {
        const again = prepareOperation(schema, request);
        const same = !Array.isArray(again) && again.kind === 'subscription' && again.request.query === prepared.request.query && sameDeclaration(again.field, prepared.field);
        if (same) {
          kept += 1;
          continue;
        }
        ended += 1;
        const why = Array.isArray(again) ? again.map((problem) => problem.message).join('; ') : 'the field is served differently now';
        stream.end(error(ErrorCode.subscriptionSchemaReload, `The schema changed and this subscription is no longer valid (${why}); subscribe again.`));
      }
      if (ended > 0) log.info({ kept, ended }, 'subscriptions checked against the new supergraph');
      return { kept, ended };
    },
  };
}
