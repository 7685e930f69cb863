import { GraphQLError } from 'graphql';

/**
 * Every error a client can see carries one of these codes in `extensions.code`.
 * Codes are part of the public API: add new ones, never rename.
 */
export const ErrorCode = {
  /** The operation does not parse. */
  graphqlParseFailed: 'GRAPHQL_PARSE_FAILED',
  /** The operation does not fit the schema. */
  graphqlValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  badRequest: 'BAD_REQUEST',
  badUserInput: 'BAD_USER_INPUT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  invalidCredentials: 'INVALID_CREDENTIALS',
  emailTaken: 'EMAIL_TAKEN',
  notFound: 'NOT_FOUND',
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  unknownProduct: 'UNKNOWN_PRODUCT',
  idempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  orderNotCancellable: 'ORDER_NOT_CANCELLABLE',
  orderNotShippable: 'ORDER_NOT_SHIPPABLE',
  /** deleteCategory on a category that still holds products or other categories. */
  categoryNotEmpty: 'CATEGORY_NOT_EMPTY',
  /** moveCategory under itself or one of its own descendants. */
  categoryCycle: 'CATEGORY_CYCLE',
  /** A category slug another category has. */
  categorySlugTaken: 'CATEGORY_SLUG_TAKEN',
  /** Trusted documents: the operation (by id or by body) is not in any client's manifest. */
  persistedQueryNotInList: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** An id the gateway does not know, where arbitrary operations are allowed: send the document instead. */
  persistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
  /** A request names a document by its sha256 and sends a text whose sha256 is another. */
  persistedQueryHashMismatch: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** A subscription the new supergraph no longer accepts, ended by the reload. */
  subscriptionSchemaReload: 'SUBSCRIPTION_SCHEMA_RELOAD',
  cartChanged: 'CART_CHANGED',
  cartEmpty: 'CART_EMPTY',
  /** Another checkout of the same cart is still being placed. */
  checkoutInProgress: 'CHECKOUT_IN_PROGRESS',
  /** The order is still being placed: ask again with the same idempotencyKey. */
  checkoutPending: 'CHECKOUT_PENDING',
  /** Retryable: the service could not take the request now (its database is saturated); nothing was written. HTTP 503 with Retry-After at the gateway. */
  serviceUnavailable: 'SERVICE_UNAVAILABLE',
  /** A subgraph could not answer (timeout, unreachable, 5xx, open breaker); the rest of the data is there. */
  subgraphUnavailable: 'SUBGRAPH_UNAVAILABLE',
  /** The gateway cannot verify access tokens now (the key set cannot be fetched). HTTP 503. */
  authUnavailable: 'AUTH_UNAVAILABLE',
  /** A rate-limit budget is spent. HTTP 429 with Retry-After. */
  rateLimited: 'RATE_LIMITED',
  /** A subscription refused by a per-connection or per-user limit. */
  subscriptionLimitReached: 'SUBSCRIPTION_LIMIT_REACHED',
  // Operation limits, checked before execution (HTTP 400).
  tokenLimitExceeded: 'TOKEN_LIMIT_EXCEEDED',
  depthLimitExceeded: 'DEPTH_LIMIT_EXCEEDED',
  aliasLimitExceeded: 'ALIAS_LIMIT_EXCEEDED',
  directiveLimitExceeded: 'DIRECTIVE_LIMIT_EXCEEDED',
  pageSizeLimitExceeded: 'PAGE_SIZE_LIMIT_EXCEEDED',
  /** No longer sent: the cost limit is demand control's, COST_ESTIMATED_TOO_EXPENSIVE (kept: codes are never removed). */
  costLimitExceeded: 'COST_LIMIT_EXCEEDED',
  // Demand control (gateway/demand-control/): the cost from the supergraph's @cost and @listSize.
  /** The operation's estimated cost is over MAX_QUERY_COST; `extensions` carry `estimated` and `max`. HTTP 400, nothing fetched. */
  costEstimatedTooExpensive: 'COST_ESTIMATED_TOO_EXPENSIVE',
  /** A field whose @listSize requires exactly one slicing argument (first, last…) got none or several. HTTP 400. */
  costSlicingArgumentRequired: 'COST_SLICING_ARGUMENT_REQUIRED',
  /** @defer or @stream where the incremental delivery draft forbids it (a subscription, a mutation's root field). */
  incrementalDeliveryNotAllowed: 'INCREMENTAL_DELIVERY_NOT_ALLOWED',
  internal: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** A code read back from storage or another service: one of the registry's, or not. */
export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && ERROR_CODES.has(value);

export function graphQLError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const unauthenticated = (message = 'You must be signed in.', reason?: string) => graphQLError(ErrorCode.unauthenticated, message, reason ? { reason } : {});

export const forbidden = (message = 'You are not allowed to do this.') => graphQLError(ErrorCode.forbidden, message);

export const badUserInput = (message: string, field?: string) => graphQLError(ErrorCode.badUserInput, message, field ? { field } : {});

/** The most characters of a client's value (an id, a name) an error repeats back. */
export const MAX_ECHOED_LENGTH = 64;
/** The most elements of a client's list (product ids) an error repeats back. */
export const MAX_ECHOED_ITEMS = 10;
/** The longest error message sent: a last bound for a message that quotes input without `echoed`. */
export const MAX_ERROR_MESSAGE_LENGTH = 1000;

const cut = (value: string, length: number) => (value.length <= length ? value : `${value.slice(0, length)}…`);
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/**
 * A value the client sent, as an error message or extension may repeat it: strings cut at
 * MAX_ECHOED_LENGTH characters with an ellipsis, lists at MAX_ECHOED_ITEMS elements, objects field by
 * field. The one bound for every error that quotes input (and for every error's extensions, in formatError).
 */
export function echoed(value: string): string;
export function echoed(value: readonly string[]): string[];
export function echoed(value: unknown): unknown;
export function echoed(value: unknown): unknown {
  if (typeof value === 'string') return cut(value, MAX_ECHOED_LENGTH);
  if (Array.isArray(value)) return value.slice(0, MAX_ECHOED_ITEMS).map((element: unknown) => echoed(element));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, echoed(inner)]));
  return value;
}

// A quoted value in a message, as graphql-js quotes what it could not coerce: `"…"` with escapes.
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/**
 * A message as it may be sent: every quoted value in it echoed (graphql-js's validation and
 * coercion messages quote the client's value whole), and the whole at most MAX_ERROR_MESSAGE_LENGTH.
 */
export const boundedMessage = (message: string): string =>
  cut(
    message.replace(QUOTED, (quoted: string, inner: string) => (inner.length <= MAX_ECHOED_LENGTH ? quoted : `"${echoed(inner)}"`)),
    MAX_ERROR_MESSAGE_LENGTH,
  );

export const notFound = (what: string) => graphQLError(ErrorCode.notFound, `${what} was not found.`);

/** A response body in the GraphQL-over-HTTP error shape, for failures before GraphQL runs. */
export function errorBody(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] });
}
