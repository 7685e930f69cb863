import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Tells SQL sent on behalf of a client request from SQL of background work (outbox relay,
 * consumers, sweepers), so "statements per request" counts only the former.
 */
export type QuerySource = 'request' | 'background';

const scope = new AsyncLocalStorage<QuerySource>();

export const runAsRequest = <T>(work: () => Promise<T>): Promise<T> => scope.run('request', work);
export const currentQuerySource = (): QuerySource => scope.getStore() ?? 'background';

/** Work a request sets off but does not wait for (an outbox kick): its SQL is not the request's. */
export const runAsBackground = <T>(work: () => T): T => scope.run('background', work);
