// The subgraph fetch's request and response types, in one file, and the shape of a layer of its
// pipeline. Layers run in the order of STAGES (outermost first) whatever order the features are
// listed in; each calls `next` for the layer below and never calls back up.
import type { GraphQLFormattedError } from 'graphql';
import type { Viewer } from '../../common/viewer.ts';

export interface SubgraphRequest {
  readonly query: string;
  readonly operationName?: string | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | undefined;
}

/** A subgraph's GraphQL response, parsed: the caller owns it (it may merge into it). */
export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** Per-request state layers may keep between fetches of one client request (a cache policy, headers to answer with). */
export interface FetchScope {
  /** Keyed by the layer that owns the entry. */
  readonly entries: Map<symbol, unknown>;
}

/** Who the fetch is made for: what the gateway credential asserts. */
export interface SubgraphCaller {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  /** One per client request over HTTP; absent for the gateway's own fetches and subscription events. */
  readonly scope?: FetchScope | undefined;
}

export interface SubgraphFetch {
  readonly subgraph: string;
  readonly request: SubgraphRequest;
  readonly caller: SubgraphCaller;
  /** A mutation (never retried, cached, shared or batched). */
  readonly mutation: boolean;
  /** May go in one HTTP request with other fetches of the same caller (batch layer). */
  readonly batchable: boolean;
  /** HTTP headers to send with it, added by layers (header propagation); the credential and trace headers are the transport's. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

export interface SubgraphReply {
  readonly response: SubgraphResponse;
  /** The subgraph's HTTP response headers, lower-case names, every value kept; empty when none were sent for this caller. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Served from the entity cache or shared with another caller's fetch: it must not carry per-caller headers (Set-Cookie). */
  readonly reused: boolean;
  /**
   * The response's JSON text as the subgraph sent it, when the reply is the transport's own: a layer
   * that hands one reply to several callers (dedup) parses it again for each, so each owns its response.
   */
  readonly body?: string | undefined;
}

export type FetchNext = (fetch: SubgraphFetch) => Promise<SubgraphReply>;

/** Outermost first. */
export const STAGES = ['headers', 'cache', 'dedup', 'batch', 'resilience', 'transport'] as const;
export type FetchStage = (typeof STAGES)[number];

export interface FetchLayer {
  readonly stage: FetchStage;
  handle(fetch: SubgraphFetch, next: FetchNext): Promise<SubgraphReply>;
}

/** The composed pipeline (gateway/fetch/pipeline.ts): what the executor and @apollo/gateway's data sources fetch through. */
export interface SubgraphFetcher {
  /** A subgraph the gateway is configured for. */
  has(subgraph: string): boolean;
  /** One fetch through every layer; `batchable`: it may go in one HTTP request with others (queries only). */
  send(subgraph: string, request: SubgraphRequest, caller: SubgraphCaller, batchable?: boolean): Promise<SubgraphResponse>;
  /** The same, with the reply's headers and provenance. */
  fetch(fetch: SubgraphFetch): Promise<SubgraphReply>;
}
