// The transport: the last layer of the subgraph fetch, the only one that talks to a subgraph. A
// keep-alive undici pool per configured subgraph; the gateway credential for that subgraph carrying
// the verified viewer and request id (nothing from the client's own headers is forwarded, so an
// `x-user-id` a client invents never reaches a subgraph; a layer above may add headers of its own
// through `SubgraphFetch.headers`); the active span's trace context (the executor's `gateway.fetch`
// span: the subgraph's spans become its children). Its reply carries the subgraph's response headers.
// An HTTP error or a body that is not a GraphQL response is thrown: the resilience layer above
// decides what that means (retries, breaker, SUBGRAPH_UNAVAILABLE).
import { STATUS_CODES } from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import type { GraphQLError as GraphQLErrorInstance } from 'graphql';
import { Pool, type Dispatcher } from 'undici';
import { ErrorCode } from '../../common/errors.ts';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import type { GatewayFeature } from '../feature.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { FetchLayer, SubgraphCaller, SubgraphFetch, SubgraphReply, SubgraphResponse } from './fetch-types.ts';
import { bodyOf } from './request-body.ts';

const { GraphQLError } = graphqlRuntime;

export interface TransportEndpoint {
  readonly url: string;
  /** Signs the gateway credential for this subgraph. */
  readonly secret?: string | undefined;
  /** This subgraph's own deadline (configuration file); unset: `timeoutMs`. */
  readonly timeoutMs?: number | undefined;
  /** This subgraph's own bulkhead size, which bounds its connections; unset: `connections`. */
  readonly resilience?: { readonly maxConcurrent?: number | undefined } | undefined;
}

export interface TransportSettings {
  /** Every configured subgraph, by name: a reload may route to one the first supergraph did not (a pool connects only when first used). */
  readonly subgraphs: Readonly<Record<string, TransportEndpoint>>;
  readonly timeoutMs: number;
  /** Keep-alive connections to each subgraph (at most the bulkhead's concurrency is ever in use). */
  readonly connections: number;
}

interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** undici's raw headers, names and values alternating. */
  readonly rawHeaders: readonly Buffer[];
}

const NO_HEADERS: ReadonlyMap<string, readonly string[]> = new Map();

/** The transport's reply: the headers are read from the raw ones only when a layer asks for them. */
class TransportReply implements SubgraphReply {
  readonly reused = false;
  private read: ReadonlyMap<string, readonly string[]> | undefined;

  constructor(
    readonly response: SubgraphResponse,
    readonly body: string,
    private readonly rawHeaders: readonly Buffer[],
  ) {}

  get headers(): ReadonlyMap<string, readonly string[]> {
    if (this.read) return this.read;
    if (this.rawHeaders.length === 0) return (this.read = NO_HEADERS);
    const headers = new Map<string, string[]>();
    for (let index = 0; index + 1 < this.rawHeaders.length; index += 2) {
      const name = String(this.rawHeaders[index]).toLowerCase();
      const value = (this.rawHeaders[index + 1] as Buffer).toString('latin1');
      const values = headers.get(name);
      if (values) values.push(value);
      else headers.set(name, [value]);
    }
    return (this.read = headers);
  }
}

/** One subgraph's connection and signing state. */
class SubgraphLink {
  readonly pool: Pool;
  readonly path: string;
  // A request's fetches to this subgraph within one second carry the same credential (same claims,
  // same issue time): signed once, not once per fetch.
  private readonly credentials = new WeakMap<SubgraphCaller, { readonly issuedAt: number; readonly token: string }>();

  constructor(
    readonly name: string,
    readonly endpoint: TransportEndpoint,
    connections: number,
  ) {
    const url = new URL(endpoint.url);
    this.pool = new Pool(url.origin, { connections, pipelining: 1 });
    this.path = `${url.pathname}${url.search}`;
  }

  credentialFor(caller: SubgraphCaller): string {
    const issuedAt = Math.floor(Date.now() / 1000);
    const signed = this.credentials.get(caller);
    if (signed?.issuedAt === issuedAt) return signed.token;
    const token = signGatewayCredential(this.name, this.endpoint.secret ?? '', caller, issuedAt);
    this.credentials.set(caller, { issuedAt, token });
    return token;
  }
}

/** The transport layer over every configured subgraph; `stop` cuts what is still in flight (after the grace period). */
export function createSubgraphTransport(settings: TransportSettings): GatewayFeature {
  const links = new Map(
    Object.entries(settings.subgraphs).map(([name, endpoint]) => [name, new SubgraphLink(name, endpoint, endpoint.resilience?.maxConcurrent ?? settings.connections)]),
  );

  async function post(fetch: SubgraphFetch): Promise<SubgraphReply> {
    const link = links.get(fetch.subgraph);
    if (!link) throw new Error(`Couldn't find service with name "${fetch.subgraph}"`);
    const headers: Record<string, string | string[]> = {};
    // What layers added first: the content type, credential and request id are the transport's own.
    if (fetch.headers) for (const [name, value] of Object.entries(fetch.headers)) headers[name] = typeof value === 'string' ? value : [...value];
    headers['content-type'] = 'application/json';
    headers[GATEWAY_CREDENTIAL_HEADER] = link.credentialFor(fetch.caller);
    headers['x-request-id'] = fetch.caller.requestId;
    propagation.inject(context.active(), headers);
    const raw = await exchange(link.pool, { path: link.path, method: 'POST', headers, body: bodyOf(fetch.request) }, link.endpoint.timeoutMs ?? settings.timeoutMs);
    if (raw.status < 200 || raw.status > 299) throw errorFromResponse(raw, link.endpoint.url);
    return new TransportReply(parseResponse(raw), raw.body, raw.rawHeaders);
  }

  const layer: FetchLayer = { stage: 'transport', handle: (fetch) => post(fetch) };
  return {
    name: 'subgraph-transport',
    fetch: layer,
    async stop() {
      await Promise.all([...links.values()].map((link) => link.pool.destroy()));
    },
  };
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
    let headers: readonly Buffer[] = [];
    const chunks: Buffer[] = [];
    let length = 0;
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
        headers = rawHeaders as Buffer[];
        for (let index = 0; index < rawHeaders.length; index += 2) {
          if (String(rawHeaders[index]).toLowerCase() !== 'content-type') continue;
          contentTypes += 1;
          contentType = (rawHeaders[index + 1] as Buffer).toString('latin1');
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
        resolve({ status, contentType: contentTypes === 1 && contentType !== undefined ? contentType : '', body: decode(chunks, length), rawHeaders: headers });
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
