import { GraphQLError } from 'graphql';

/**
 * Every error a client can see carries one of these codes in `extensions.code`.
 * Codes are part of the public API: add new ones, never rename.
 */
export const ErrorCode = {
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
  /** Trusted documents: the operation (by id or by body) is not in any client's manifest. */
  persistedQueryNotInList: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** An id the gateway does not know, where arbitrary operations are allowed: send the document instead. */
  persistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
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
  internal: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function graphQLError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const unauthenticated = (message = 'You must be signed in.', reason?: string) =>
  graphQLError(ErrorCode.unauthenticated, message, reason ? { reason } : {});

export const forbidden = (message = 'You are not allowed to do this.') => graphQLError(ErrorCode.forbidden, message);

export const badUserInput = (message: string, field?: string) =>
  graphQLError(ErrorCode.badUserInput, message, field ? { field } : {});

/** The most characters of a client's value (an id, a name) an error repeats back. */
export const MAX_ECHOED_LENGTH = 64;

/** A value the client sent, as an error message or extension may repeat it: bounded, cut with an ellipsis. */
export const echoed = (value: string): string => (value.length <= MAX_ECHOED_LENGTH ? value : `${value.slice(0, MAX_ECHOED_LENGTH)}…`);

export const notFound = (what: string) => graphQLError(ErrorCode.notFound, `${what} was not found.`);

/** A response body in the GraphQL-over-HTTP error shape, for failures before GraphQL runs. */
export function errorBody(code: ErrorCode | string, message: string, extensions: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] });
}
