// A small typed client for the shop's GraphQL gateway, for browsers and Node alike.
//
// It depends on `graphql` (to print documents) and `graphql-ws` (subscriptions) only, and on none
// of the server's code: the documents and their types come from `./generated/graphql.ts`, which
// `npm run codegen` writes from `./operations/*.graphql` and the API schema `./schema.graphql`.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { createClient as createWebSocketClient, type Client as WebSocketClient } from 'graphql-ws/client';
import { multipartBoundary, multipartParts } from './multipart.ts';

/** A token, or something that gives the current one (asked before every request and connection). */
export type TokenSource = string | null | undefined | (() => string | null | undefined | Promise<string | null | undefined>);

export interface ShopClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  readonly url: string;
  /** The access token from `logIn`/`signUp`, sent as `Authorization: Bearer <token>`. */
  readonly token?: TokenSource;
  /** The graphql-ws endpoint for subscriptions; by default `url` with `ws:`/`wss:`. */
  readonly subscriptionUrl?: string;
  /** Headers for every HTTP request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A `fetch` to use instead of the global one. */
  readonly fetch?: typeof fetch;
  /**
   * How subscriptions travel: `websocket` (graphql-ws, the default) or `http` (one POST per
   * subscription with Apollo's multipart protocol; no WebSocket needed, works through any HTTP proxy).
   */
  readonly subscriptionTransport?: 'websocket' | 'http';
  /**
   * A WebSocket constructor where there is no global one (Node before 22: `WebSocket` of the `ws`
   * package). Browsers and Node 22+ need none.
   */
  readonly webSocketImpl?: unknown;
  /**
   * Send each operation's persisted document id (`__meta__.hash`, from `npm run codegen`) instead of
   * its text: what a gateway with `PERSISTED_DOCUMENTS=require` runs. `{ useGetForQueries: true }`
   * also sends queries as GET requests, which a CDN may cache when they carry no token.
   */
  readonly persisted?: boolean | { readonly useGetForQueries: boolean };
}

/** A GraphQL error as the gateway sends it: `extensions.code` says what kind (FORBIDDEN, NOT_FOUND, …). */
export interface ShopGraphQLError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly locations?: readonly { line: number; column: number }[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** Everything the gateway answered: data (possibly partial) and errors, with the HTTP status. */
export interface ShopResult<TData> {
  readonly status: number;
  readonly headers: Headers;
  readonly data?: TData | null;
  readonly errors?: readonly ShopGraphQLError[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** Thrown by `request` when the gateway answers with errors (or without data). */
export class ShopClientError<TData = unknown> extends Error {
  readonly status: number;
  readonly errors: readonly ShopGraphQLError[];
  /** Whatever data came with the errors (partial results). */
  readonly data: TData | null | undefined;

  constructor(result: Pick<ShopResult<TData>, 'status' | 'errors' | 'data'>) {
    const errors = result.errors ?? [];
    super(
      errors.map((error) => `${error.message}${error.extensions?.['code'] ? ` (${String(error.extensions['code'])})` : ''}`).join('; ') || `HTTP ${result.status} without data`,
    );
    this.name = 'ShopClientError';
    this.status = result.status;
    this.errors = errors;
    this.data = result.data;
  }

  /** The `extensions.code` of every error, in order. */
  get codes(): unknown[] {
    return this.errors.map((error) => error.extensions?.['code']);
  }
}

export interface CallOptions {
  /** Extra headers for this request only. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Variables are optional exactly when the operation has no required variable. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends T`: is every key of T optional?
type Arguments<TVariables, TOptions> = {} extends TVariables ? [variables?: TVariables, options?: TOptions] : [variables: TVariables, options?: TOptions];

/** What a subscription delivers: each result, an error (socket closed, refused), completion. */
export interface SubscriptionSink<TData> {
  next(result: { data?: TData | null; errors?: readonly ShopGraphQLError[] }): void;
  error?(error: unknown): void;
  complete?(): void;
}

export interface ShopClient {
  /** Runs a query or mutation and resolves to its data; throws `ShopClientError` on any GraphQL error. */
  request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, ...args: Arguments<TVariables, CallOptions>): Promise<TData>;
  /** Runs a query or mutation and resolves to the whole answer (partial data and errors), throwing only when there is no GraphQL answer at all. */
  execute<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, ...args: Arguments<TVariables, CallOptions>): Promise<ShopResult<TData>>;
  /** Subscribes (graphql-ws, or multipart HTTP with `subscriptionTransport: 'http'`); returns the function that unsubscribes. */
  subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, sink: SubscriptionSink<TData>): () => void;
  /** Subscribes as an async iterator (`for await`); `break` unsubscribes. */
  iterate<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: Arguments<TVariables, never>
  ): AsyncIterableIterator<{ data?: TData | null; errors?: readonly ShopGraphQLError[] }>;
  /**
   * Runs an operation with `@defer` or `@stream` with incremental delivery (`multipart/mixed;deferSpec=20220824`,
   * as Apollo Client speaks it): yields the result so far, first without the deferred fields (and
   * with the streamed lists' first items), then with each part merged in; `hasNext` is false on the last. A gateway that answers in
   * one piece yields once.
   */
  deferred<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: Arguments<TVariables, CallOptions>
  ): AsyncGenerator<ShopResult<TData> & { hasNext: boolean }>;
  /** Replaces the token for later requests; an open subscription connection reconnects with it. */
  setToken(token: TokenSource): void;
  /** Closes the subscription connection, if any. */
  dispose(): Promise<void>;
}

const printed = new WeakMap<DocumentNode, string>();
function queryOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

const operationOf = (document: DocumentNode) => document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');

/** The name of the document's (first) operation, sent along so the gateway's logs and metrics name it. */
export function operationNameOf(document: DocumentNode): string | undefined {
  return operationOf(document)?.name?.value;
}

/** The persisted document id codegen put in the document (`sha256:<hex>`, as client-preset does). */
export function persistedDocumentIdOf(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') throw new Error(`${operationNameOf(document) ?? 'This document'} has no persisted id: generate it with npm run codegen`);
  return hash;
}

function webSocketUrl(url: string): string {
  const target = new URL(url);
  target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
  return target.toString();
}

export function createShopClient(options: ShopClientOptions): ShopClient {
  let token: TokenSource = options.token;
  let sockets: WebSocketClient | undefined;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const currentToken = async () => (typeof token === 'function' ? await token() : token) ?? undefined;
  const persisted = options.persisted !== undefined && options.persisted !== false;
  const queriesOverGet = typeof options.persisted === 'object' && options.persisted.useGetForQueries;

  /** A POST's headers: JSON in, `accept`, the current token, the client's headers, then the call's. */
  async function headersFor(accept: string, callHeaders?: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    const bearer = await currentToken();
    return {
      'content-type': 'application/json',
      accept,
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...options.headers,
      ...callHeaders,
    };
  }

  async function execute<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables, call: CallOptions = {}): Promise<ShopResult<TData>> {
    const accept = 'application/graphql-response+json, application/json';
    const signal = call.signal ? { signal: call.signal } : {};
    let response: Response;
    if (queriesOverGet && operationOf(document)?.operation === 'query') {
      // GET by id: a URL a CDN can key on. Apollo Server's CSRF prevention wants a non-simple header on a GET.
      const { 'content-type': _json, ...headers } = await headersFor(accept, { 'apollo-require-preflight': 'true', ...call.headers });
      const url = new URL(options.url);
      for (const [name, value] of Object.entries(payloadOf(document, variables))) url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
      response = await fetchImpl(url, { method: 'GET', headers, ...signal });
    } else {
      response = await fetchImpl(options.url, { method: 'POST', headers: await headersFor(accept, call.headers), body: JSON.stringify(payloadOf(document, variables)), ...signal });
    }
    const text = await response.text();
    let body: { data?: TData | null; errors?: ShopGraphQLError[]; extensions?: Record<string, unknown> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ShopClientError<TData>({ status: response.status, errors: [{ message: `HTTP ${response.status}: the gateway did not answer with JSON: ${text.slice(0, 200)}` }] });
    }
    return { status: response.status, headers: response.headers, ...body };
  }

  function webSockets(): WebSocketClient {
    sockets ??= createWebSocketClient({
      url: options.subscriptionUrl ?? webSocketUrl(options.url),
      ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
      // Asked again on every (re)connection, so a refreshed token is used after the gateway closes an expired one.
      connectionParams: async () => {
        const bearer = await currentToken();
        return bearer ? { authorization: `Bearer ${bearer}` } : {};
      },
    });
    return sockets;
  }

  /** A request's JSON: the document's text, or its persisted id (GraphQL over HTTP `documentId`). */
  const payloadOf = (document: DocumentNode, variables: unknown) => {
    const operationName = operationNameOf(document);
    return {
      ...(persisted ? { documentId: persistedDocumentIdOf(document) } : { query: queryOf(document) }),
      variables: (variables ?? {}) as Record<string, unknown>,
      ...(operationName ? { operationName } : {}),
    };
  };
  /** graphql-ws wants a `query` string: a persisted id goes in Apollo's `persistedQuery` extension. */
  const webSocketPayloadOf = (document: DocumentNode, variables: unknown) => {
    const operationName = operationNameOf(document);
    const common = { variables: (variables ?? {}) as Record<string, unknown>, ...(operationName ? { operationName } : {}) };
    if (!persisted) return { query: queryOf(document), ...common };
    const sha256Hash = persistedDocumentIdOf(document).replace(/^sha256:/, '');
    return { query: '', extensions: { persistedQuery: { version: 1, sha256Hash } }, ...common };
  };

  async function request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables, call?: CallOptions): Promise<TData> {
    const result = await execute(document, variables, call);
    if (result.errors?.length || result.data === undefined || result.data === null) throw new ShopClientError(result);
    return result.data;
  }

  function subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, sink: SubscriptionSink<TData>): () => void {
    if (options.subscriptionTransport === 'http') return subscribeOverHttp(document, variables, sink);
    return webSockets().subscribe<TData>(webSocketPayloadOf(document, variables), {
      next: (result) => sink.next(result),
      error: (error) => sink.error?.(error),
      complete: () => sink.complete?.(),
    });
  }

  /** One multipart POST: results as they come; a refusal or a fatal part is a ShopClientError. */
  function subscribeOverHttp<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, sink: SubscriptionSink<TData>): () => void {
    const controller = new AbortController();
    void (async () => {
      const response = await fetchImpl(options.url, {
        method: 'POST',
        signal: controller.signal,
        headers: await headersFor('multipart/mixed;subscriptionSpec="1.0", application/json'),
        body: JSON.stringify(payloadOf(document, variables)),
      });
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('multipart/mixed') || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { data?: TData | null; errors?: ShopGraphQLError[] };
        throw new ShopClientError<TData>({ status: response.status, errors: body.errors ?? [{ message: `HTTP ${response.status}` }], data: body.data });
      }
      type Result = { data?: TData | null; errors?: readonly ShopGraphQLError[] };
      for await (const part of multipartParts<Result>(response.body as unknown as AsyncIterable<Uint8Array>, multipartBoundary(contentType))) {
        if (part.payload) sink.next(part.payload);
        else if (part.errors) throw new ShopClientError<TData>({ status: response.status, errors: part.errors });
      }
    })().then(
      () => sink.complete?.(),
      (error: unknown) => {
        if (!controller.signal.aborted) sink.error?.(error);
      },
    );
    return () => controller.abort();
  }

  function iterate<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables) {
    if (options.subscriptionTransport === 'http') return iterateOverHttp(document, variables);
    return webSockets().iterate<TData>(webSocketPayloadOf(document, variables));
  }

  /** `subscribeOverHttp` as an async iterator: results wait in a queue until asked for. */
  function iterateOverHttp<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables) {
    type Result = { data?: TData | null; errors?: readonly ShopGraphQLError[] };
    const queue: Result[] = [];
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const unsubscribe = subscribeOverHttp(document, variables as TVariables, {
      next: (result) => {
        queue.push(result);
        wake?.();
      },
      error: (error) => {
        failure = error;
        done = true;
        wake?.();
      },
      complete: () => {
        done = true;
        wake?.();
      },
    });
    const iterator: AsyncIterableIterator<Result> = {
      async next() {
        while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
        const result = queue.shift();
        if (result) return { value: result, done: false };
        if (failure) throw failure;
        return { value: undefined, done: true };
      },
      async return() {
        done = true;
        unsubscribe();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async function* deferred<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables?: TVariables, call: CallOptions = {}) {
    const response = await fetchImpl(options.url, {
      method: 'POST',
      headers: await headersFor('multipart/mixed;deferSpec=20220824, application/json', call.headers),
      body: JSON.stringify(payloadOf(document, variables)),
      ...(call.signal ? { signal: call.signal } : {}),
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.startsWith('multipart/mixed') || !response.body) {
      const body = (await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }))) as { data?: TData | null; errors?: ShopGraphQLError[] };
      yield { status: response.status, headers: response.headers, ...body, hasNext: false };
      return;
    }
    type Part = {
      data?: TData | null;
      errors?: ShopGraphQLError[];
      hasNext?: boolean;
      incremental?: { data?: Record<string, unknown> | null; items?: unknown[]; path: (string | number)[]; errors?: ShopGraphQLError[] }[];
    };
    let data: TData | null | undefined;
    const errors: ShopGraphQLError[] = [];
    for await (const part of multipartParts<never>(response.body as unknown as AsyncIterable<Uint8Array>, multipartBoundary(contentType))) {
      const payload = part as unknown as Part;
      if ('data' in payload) data = payload.data;
      errors.push(...(payload.errors ?? []));
      for (const increment of payload.incremental ?? []) {
        errors.push(...(increment.errors ?? []));
        // @stream: items from the index the path ends with; @defer: data at the path.
        const { items, path } = increment;
        if (items) items.forEach((item, offset) => (data = mergeAtPath(data, [...path.slice(0, -1), (path.at(-1) as number) + offset], item) as TData | null | undefined));
        else data = mergeAtPath(data, path, increment.data) as TData | null | undefined;
      }
      yield { status: response.status, headers: response.headers, data, ...(errors.length > 0 ? { errors: [...errors] } : {}), hasNext: payload.hasNext === true };
    }
  }

  return {
    deferred: (document, ...[variables, call]) => deferred(document, variables, call),
    execute: (document, ...[variables, call]) => execute(document, variables, call),
    request: (document, ...[variables, call]) => request(document, variables, call),
    subscribe,
    iterate: (document, ...[variables]) => iterate(document, variables),
    setToken(next) {
      token = next;
      // Reconnect with the new token; subscriptions resubscribe on their own.
      sockets?.terminate();
    },
    async dispose() {
      const open = sockets;
      sockets = undefined;
      await open?.dispose();
    },
  };
}

/** Merges a deferred part's data into the result so far, at the part's path. */
function mergeAtPath(target: unknown, path: readonly (string | number)[], data: unknown): unknown {
  if (path.length === 0) return deepMerged(target, data);
  const [head, ...rest] = path;
  if (target === null || typeof target !== 'object') return target;
  // Copied along the path: each result yielded stays as it was.
  const container = (Array.isArray(target) ? [...(target as unknown[])] : { ...(target as Record<string, unknown>) }) as Record<string | number, unknown>;
  container[head as string | number] = mergeAtPath(container[head as string | number], rest, data);
  return container;
}

function deepMerged(target: unknown, source: unknown): unknown {
  if (source === undefined) return target;
  if (source === null || typeof source !== 'object') return source;
  if (target === null || target === undefined || typeof target !== 'object') return source;
  if (Array.isArray(source)) return source.map((item, index) => deepMerged((target as unknown[])[index], item));
  const merged: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(source)) merged[key] = deepMerged(merged[key], value);
  return merged;
}
