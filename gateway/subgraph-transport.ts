import { STATUS_CODES } from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import type { GraphQLError as GraphQLErrorInstance, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../common/errors.ts';
import { graphqlRuntime } from './subscriptions/graphql-runtime.ts';

const { GraphQLError } = graphqlRuntime;
import { Pool, type Dispatcher } from 'undici';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import type { Viewer } from '../common/viewer.ts';
import type { SubgraphFetchMetrics } from './resilience/subgraph-fetch-metrics.ts';
import { createSubgraphPolicies, failureReason, type SubgraphPolicies } from './resilience/subgraph-policies.ts';
import type { SubgraphName } from '../common/service/subgraph-config.ts';
import type { GatewayConfig } from './config.ts';
import type { CachePolicySink, EntityCache } from './entity-cache/entity-cache.ts';
import { batchOf } from './subgraph-batch.ts';
import type { FetchLayer, FetchScope, SubgraphReply } from './fetch/fetch-types.ts';

export const SUBGRAPH_UNAVAILABLE = ErrorCode.subgraphUnavailable;

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

/** Who the fetch is made for: what the gateway credential asserts. */
export interface SubgraphCaller {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  /** A client request's cache policy (entity cache on, HTTP requests only): what its fetches allow. */
  readonly cachePolicy?: CachePolicySink | undefined;
  /** One per client request over HTTP (fetch-types.ts): the header propagation layer's state. */
  readonly scope?: FetchScope | undefined;
}

/** Headers a layer adds to a fetch (fetch-types.ts' SubgraphFetch.headers). */
type ExtraHeaders = Readonly<Record<string, string | readonly string[]>>;

/** An answer with what came with it: the subgraph's headers, and whether it was made for someone else. */
interface Received {
  readonly response: SubgraphResponse;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly reused: boolean;
}

const NO_HEADERS: ReadonlyMap<string, readonly string[]> = new Map();

export interface SubgraphTransportOptions {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly policies: SubgraphPolicies;
  readonly metrics: SubgraphFetchMetrics;
  /** Keep-alive connections to this subgraph (at most the bulkhead's concurrency is ever in use). */
  readonly connections: number;
  /** Share one in-flight query among identical ones (same document, variables, viewer; queries only). */
  readonly dedup?: boolean;
  /** The entity cache, when on: it answers what it holds and fetches the rest through this transport. */
  readonly cache?: EntityCache | undefined;
  /**
   * The `headers`-stage fetch layer (header propagation), when on. Until this transport becomes the
   * layered pipeline (gateway/fetch/fetch-types.ts), it is called here, outside the entity cache.
   */
  readonly headerLayer?: FetchLayer | undefined;
}

const isMutationDocument = (query: string) => /^\s*mutation\b/.test(query);

interface Waiting {
  readonly request: SubgraphRequest;
  resolve(received: Received): void;
  reject(error: unknown): void;
}

interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Lower-case names, every value (header propagation reads them). */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

/**
 * One subgraph, as the gateway reaches it (our executor, @apollo/gateway's health checks): a keep-alive undici
 * pool; the gateway credential for this subgraph carrying the verified viewer and request id
 * (nothing from the client's own headers is forwarded, so an `x-user-id` a client invents never
 * reaches a subgraph); the active span's trace context; the subgraph's bulkhead and circuit
 * breaker, with retries for queries (never mutations); latency and failure metrics. A subgraph
 * that cannot answer becomes one SUBGRAPH_UNAVAILABLE error: the rest of the response still arrives.
 */
export class SubgraphTransport {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly inFlight = new Map<string, Promise<RawResponse>>();
  private readonly noHeaders: ExtraHeaders = {};
  /** Batchable queries waiting for the next turn of the event loop, by caller. */
  private readonly pending = new Map<SubgraphCaller, Waiting[]>();
  // A request's fetches to this subgraph within one second carry the same credential (same claims,
  // same issue time): signed once, not once per fetch.
  private readonly credentials = new WeakMap<SubgraphCaller, { readonly issuedAt: number; readonly token: string }>();

  constructor(private readonly options: SubgraphTransportOptions) {
    const url = new URL(options.url);
    this.pool = new Pool(url.origin, { connections: options.connections, pipelining: 1 });
    this.path = `${url.pathname}${url.search}`;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * With `batch`, the query may go in one request with the other batchable queries of the same
   * caller to this subgraph that are ready at the same moment (subgraph-batch.ts). Below the
   * entity cache: each fetch is looked up and stored on its own, only what the cache misses goes out.
   */
  send(request: SubgraphRequest, caller: SubgraphCaller, batch = false): Promise<SubgraphResponse> {
    const layer = this.options.headerLayer;
    if (!layer) return this.reply(request, caller, batch, this.noHeaders).then((reply) => reply.response);
    // The pipeline's shape for the one layer that exists so far (the lead merges this with branch `pipeline`).
    const fetch = { subgraph: this.options.name, request, caller, mutation: isMutationDocument(request.query), batchable: batch };
    return layer.handle(fetch, (sent) => this.reply(sent.request, caller, sent.batchable, sent.headers ?? this.noHeaders)).then((reply) => reply.response);
  }

  /** The fetch below the headers layer: the entity cache, then batching or dedup, then the network. */
  private async reply(request: SubgraphRequest, caller: SubgraphCaller, batch: boolean, headers: ExtraHeaders): Promise<SubgraphReply> {
    const cache = this.options.cache;
    let received: { headers: Map<string, readonly string[]>; reused: boolean } | undefined;
    const fetch = async (sent: SubgraphRequest): Promise<SubgraphResponse> => {
      const answer = batch ? await this.batched(sent, caller, headers) : await this.fetch(sent, caller, headers);
      received ??= { headers: new Map(), reused: true };
      received.reused &&= answer.reused;
      for (const [name, values] of answer.headers) received.headers.set(name, [...(received.headers.get(name) ?? []), ...values]);
      return answer.response;
    };
    const response = cache ? await cache.fetch(this.options.name, request, caller, fetch) : await fetch(request);
    // Nothing fetched: the entity cache answered it all, for whoever asked first.
    return { response, headers: received?.headers ?? NO_HEADERS, reused: received?.reused ?? true };
  }

  // "The same moment": everything that becomes ready before the event loop's next turn (siblings
  // of a Parallel node, fetches that the same subgraph answers made ready), so a lone fetch waits
  // one turn at most.
  private batched(request: SubgraphRequest, caller: SubgraphCaller, headers: ExtraHeaders): Promise<Received> {
    if (isMutationDocument(request.query)) return this.fetch(request, caller, headers);
    return new Promise((resolve, reject) => {
      let pending = this.pending.get(caller);
      if (!pending) {
        const waiting: Waiting[] = [];
        pending = waiting;
        this.pending.set(caller, waiting);
        setImmediate(() => {
          this.pending.delete(caller);
          // One caller's fetches to one subgraph carry the same added headers.
          void this.flush(waiting, caller, headers);
        });
      }
      pending.push({ request, resolve, reject });
    });
  }

  private async flush(waiting: readonly Waiting[], caller: SubgraphCaller, headers: ExtraHeaders): Promise<void> {
    const alone = (each: Waiting) => this.fetch(each.request, caller, headers).then(each.resolve, each.reject);
    const batch = batchOf(waiting.map((each) => each.request));
    if (!batch) {
      waiting.forEach(alone);
      return;
    }
    let answers: SubgraphResponse[] | undefined;
    let combined: Received | undefined;
    try {
      combined = await this.fetch(batch.request, caller, headers);
      answers = batch.split(combined.response);
    } catch (error) {
      // A subgraph that cannot answer fails each of them as it would have alone; anything else
      // (an HTTP error for the combined document) is each query's own to meet, alone.
      if (error instanceof GraphQLError && error.extensions['code'] === SUBGRAPH_UNAVAILABLE) {
        for (const each of waiting) each.reject(error);
        return;
      }
    }
    if (!answers) {
      waiting.forEach(alone);
      return;
    }
    // The one HTTP response's headers go with the first answer only: a Set-Cookie counts once.
    waiting.forEach((each, index) =>
      each.resolve({ response: answers[index] as SubgraphResponse, headers: index === 0 ? (combined?.headers ?? NO_HEADERS) : NO_HEADERS, reused: false }),
    );
  }

  private async fetch(request: SubgraphRequest, caller: SubgraphCaller, headers: ExtraHeaders): Promise<Received> {
    const { name, policies, metrics } = this.options;
    const mutation = isMutationDocument(request.query);
    const policy = mutation ? policies.write : policies.read;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    const started = performance.now();
    try {
      const { raw, reused } =
        this.options.dedup && !mutation ? await this.shared(body, caller, policy, headers) : { raw: await policy.execute(() => this.post(body, caller, headers)), reused: false };
      const response = parseResponse(raw);
      metrics.duration.observe({ subgraph: name, outcome: 'ok' }, (performance.now() - started) / 1000);
      return { response, headers: raw.headers, reused };
    } catch (error) {
      const reason = failureReason(error);
      metrics.duration.observe({ subgraph: name, outcome: 'error' }, (performance.now() - started) / 1000);
      metrics.failures.inc({ subgraph: name, reason });
      if (reason === 'other') throw error;
      throw new GraphQLError(`The ${name} service is unavailable (${reason.replace('_', ' ')}).`, {
        extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName: name, reason },
      });
    }
  }

  // Identical queries in flight share one fetch; each caller parses its own copy of the body.
  // The credential scope is part of the key: the viewer's id and role (the subgraph is this one).
  // The headers a layer added are part of it too (the answer may depend on them). The first caller's
  // answer is its own; those who join it get it `reused` (no Set-Cookie of another request).
  private async shared(body: string, caller: SubgraphCaller, policy: SubgraphPolicies['read'], headers: ExtraHeaders): Promise<{ raw: RawResponse; reused: boolean }> {
    const added = Object.keys(headers).length > 0 ? JSON.stringify(headers) : '';
    const key = `${caller.viewer?.id ?? ''}\u0000${caller.viewer?.role ?? ''}\u0000${added}\u0000${body}`;
    const pending = this.inFlight.get(key);
    if (pending) return { raw: await pending, reused: true };
    const own = policy.execute(() => this.post(body, caller, headers));
    this.inFlight.set(key, own);
    const forget = () => this.inFlight.delete(key);
    own.then(forget, forget);
    return { raw: await own, reused: false };
  }

  private credentialFor(caller: SubgraphCaller): string {
    const issuedAt = Math.floor(Date.now() / 1000);
    const signed = this.credentials.get(caller);
    if (signed?.issuedAt === issuedAt) return signed.token;
    const token = signGatewayCredential(this.options.name, this.options.secret, caller, issuedAt);
    this.credentials.set(caller, { issuedAt, token });
    return token;
  }

  private async post(body: string, caller: SubgraphCaller, added: ExtraHeaders): Promise<RawResponse> {
    // Added headers first: the rules cannot name the transport's own (header-rules.ts), and these win anyway.
    const headers: Record<string, string | string[]> = {
      ...(added as Record<string, string | string[]>),
      'content-type': 'application/json',
      [GATEWAY_CREDENTIAL_HEADER]: this.credentialFor(caller),
      'x-request-id': caller.requestId,
    };
    // The active span is the `gateway.fetch` span of this fetch: the subgraph's spans become its children.
    propagation.inject(context.active(), headers);
    const raw = await exchange(this.pool, { path: this.path, method: 'POST', headers, body }, this.options.timeoutMs);
    if (raw.status < 200 || raw.status > 299) throw errorFromResponse(raw, this.options.url);
    return raw;
  }

  /** Called once the gateway's own connections are closed (after the grace period): cuts what is still in flight. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/**
 * One request on the pool, its answer read whole: undici's `request` without its per-response
 * Readable stream, abort listeners and AsyncResource (a subgraph's answer is parsed whole anyway).
 * Past `timeoutMs` it is aborted with the TimeoutError AbortSignal.timeout gives; answers and
 * failures are those of `pool.request(...).body.text()`.
 */
function exchange(pool: Pool, request: { path: string; method: 'POST'; headers: Record<string, string | string[]>; body: string }, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let abort: ((reason: Error) => void) | undefined;
    let late: Error | undefined;
    let status = 0;
    let contentType: string | undefined;
    let contentTypes = 0;
    const chunks: Buffer[] = [];
    let length = 0;
    const headers = new Map<string, string[]>();
    const timer = setTimeout(() => {
      late = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      abort?.(late);
    }, timeoutMs).unref();
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest) {
        if (late) abortRequest(late);
        else abort = abortRequest;
      },
      onHeaders(statusCode, rawHeaders) {
        if (statusCode < 200) return true; // informational: the answer follows
        status = statusCode;
        for (let index = 0; index < rawHeaders.length; index += 2) {
          const name = String(rawHeaders[index]).toLowerCase();
          const value = (rawHeaders[index + 1] as Buffer).toString('latin1');
          const values = headers.get(name);
          if (values) values.push(value);
          else headers.set(name, [value]);
          if (name !== 'content-type') continue;
          contentTypes += 1;
          contentType = value;
        }
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        length += chunk.length;
        return true;
      },
      onComplete() {
        clearTimeout(timer);
        resolve({ status, contentType: contentTypes === 1 && contentType !== undefined ? contentType : '', body: decode(chunks, length), headers });
      },
      onError(error) {
        clearTimeout(timer);
        reject(error);
      },
    };
    try {
      pool.dispatch(request, handler);
    } catch (error) {
      clearTimeout(timer);
      reject(error as Error);
    }
  });
}

// As undici's body.text(): UTF-8, a byte order mark skipped.
function decode(chunks: readonly Buffer[], length: number): string {
  if (chunks.length === 0 || length === 0) return '';
  const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

const isJson = (contentType: string) => contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json');

// What @apollo/gateway's RemoteGraphQLDataSource made of an HTTP error, so clients see the same errors.
function errorFromResponse(raw: RawResponse, url: string): GraphQLErrorInstance {
  const statusText = STATUS_CODES[raw.status] ?? '';
  const extensions: Record<string, unknown> = {
    response: { url, status: raw.status, statusText, body: isJson(raw.contentType) ? safeParse(raw.body) : raw.body },
  };
  if (raw.status === 401) extensions['code'] = ErrorCode.unauthenticated;
  else if (raw.status === 403) extensions['code'] = ErrorCode.forbidden;
  return new GraphQLError(`${raw.status}: ${statusText}`, { extensions });
}

const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

function parseResponse(raw: RawResponse): SubgraphResponse {
  const body: unknown = isJson(raw.contentType) ? JSON.parse(raw.body) : raw.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Error(`Expected JSON response body, but received: ${String(body)}`);
  }
  return body as SubgraphResponse;
}

/** What a plan fetches from: the transport of each subgraph, by name. */
export interface SubgraphFetcher {
  has(serviceName: string): boolean;
  /** `batch`: the query may share one request with others (SubgraphTransport.send). */
  send(serviceName: string, request: SubgraphRequest, caller: SubgraphCaller, batch?: boolean): Promise<SubgraphResponse>;
}

export function subgraphFetcher(transports: ReadonlyMap<string, SubgraphTransport>): SubgraphFetcher {
  return {
    has: (serviceName) => transports.has(serviceName),
    send: (serviceName, request, caller, batch) => (transports.get(serviceName) as SubgraphTransport).send(request, caller, batch),
  };
}

/**
 * One transport per configured subgraph, shared by all who fetch from it: a reload may route to a
 * configured subgraph the first supergraph did not (a pool connects only when first used).
 */
export function createSubgraphTransports(config: GatewayConfig, metrics: SubgraphFetchMetrics, cache?: EntityCache, headerLayer?: FetchLayer): Map<string, SubgraphTransport> {
  return new Map(
    Object.keys(config.subgraphs).map((name) => {
      const endpoint = config.subgraphs[name as SubgraphName];
      const transport = new SubgraphTransport({
        name,
        url: endpoint.url,
        secret: endpoint.secret ?? '',
        timeoutMs: config.subgraphTimeoutMs,
        policies: createSubgraphPolicies(name, config.resilience, metrics),
        metrics,
        connections: config.resilience.maxConcurrent,
        dedup: config.dedupSubgraphQueries,
        cache,
        headerLayer,
      });
      return [name, transport];
    }),
  );
}
