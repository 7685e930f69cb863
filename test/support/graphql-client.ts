import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createShopClient } from '../../sdk/client.ts';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly data?: TData | null;
  readonly errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface RequestOptions {
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly operationName?: string;
}

/** Variables may be left out exactly when the operation has no required variable. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends T`: is every key of T optional?
type TypedArguments<TVariables> = {} extends TVariables ? [variables?: TVariables, options?: RequestOptions] : [variables: TVariables, options?: RequestOptions];

/**
 * A GraphQL-over-HTTP POST, as any frontend sends it. With one of the SDK's typed documents
 * (`sdk/generated/graphql.ts`) it goes through the SDK's own client, so the tests prove the
 * documents, their types and the client against the running gateway; a string is sent as it is
 * (for what the SDK does not ship: malformed queries, subgraph-only fields, other names).
 */
export function graphql<TData, TVariables>(url: string, document: TypedDocumentNode<TData, TVariables>, ...args: TypedArguments<TVariables>): Promise<GraphQLResponse<TData>>;
export function graphql<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options?: RequestOptions,
): Promise<GraphQLResponse<TData>>;
export async function graphql<TData>(
  url: string,
  query: string | TypedDocumentNode<TData, unknown>,
  variables: unknown = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  if (typeof query !== 'string') {
    if (options.operationName) throw new Error('a typed document sends its own operation name');
    const client = createShopClient({ url, token: options.token, ...(options.headers ? { headers: options.headers } : {}) });
    return (await client.execute(query, variables)) as GraphQLResponse<TData>;
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables, ...(options.operationName ? { operationName: options.operationName } : {}) }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}

export const errorCodes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((error) => error.extensions?.['code']);
