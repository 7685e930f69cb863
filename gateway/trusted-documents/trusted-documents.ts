// Trusted documents (persisted queries): the gateway runs what its clients' manifests list, by id or
// by identical text, and depending on the mode refuses, logs or allows anything else. One unit with
// every hook it needs: the HTTP hook that resolves ids and refuses before Apollo Server parses
// anything, an Apollo plugin (a CDN-cacheable answer to an anonymous GET by id), the check the
// subscription transports call, the plan-cache warm-up, and its metrics. Mode `off`: absent.
import type { IncomingHttpHeaders } from 'node:http';
import type { ApolloServerPlugin, BaseContext, HTTPGraphQLRequest } from '@apollo/server';
import { Counter, type Registry } from 'prom-client';
import { ErrorCode } from '../../common/errors.ts';
import { HttpError } from '../../common/http/http-error.ts';
import type { Logger } from '../../common/logger.ts';
import { decide, type Decision, type RequestPayload } from './decide.ts';
import { readManifests, trustedDocumentsById, type TrustedDocument } from './manifests.ts';
import type { TrustedDocumentSettings } from './settings.ts';

export interface TrustedDocumentsOptions {
  readonly settings: TrustedDocumentSettings;
  readonly log: Logger;
  readonly registry: Registry;
  /** NODE_ENV=production: a mode other than `require` is said at start as a warning, where an operator looks. */
  readonly production?: boolean;
}

/** What a subscription transport runs, or the refusal it answers with. */
export type ResolvedOperation =
  | { readonly ok: true; readonly request: RequestPayload }
  | { readonly ok: false; readonly status: number; readonly code: ErrorCode; readonly message: string };

/** Plans and keeps an operation where the serving executor looks for it; false when it does not plan. */
export type PlanWarmer = (query: string, operationName: string | undefined) => boolean;

export type ResolveOperation = (payload: unknown, headers?: IncomingHttpHeaders | Readonly<Record<string, unknown>>) => ResolvedOperation;

export interface TrustedDocuments {
  /** ApolloServer options: its own APQ cache is off under `require` (no text may be registered). */
  readonly apolloConfig: { readonly persistedQueries?: false };
  readonly plugin: ApolloServerPlugin<BaseContext>;
  /** createApolloHandler's `prepare`: the request with ids resolved, or an HttpError. */
  prepareHttpRequest(request: HTTPGraphQLRequest): HTTPGraphQLRequest;
  /** For graphql-ws, multipart and SSE subscriptions: the same decision as over HTTP. */
  readonly resolveOperation: ResolveOperation;
  /** Plans every manifest operation with `warm` (into the executor's plans); run at each supergraph (re)load. */
  warmUp(warm: PlanWarmer): void;
  /**
   * How the request would run, decided without counting it: the text to negotiate the response by
   * (a manifest's, for an id), or undefined when the mode refuses it (nothing is parsed for it).
   */
  runnablePayload(payload: unknown): RequestPayload | undefined;
}

const CLIENT_NAME_HEADERS = ['apollographql-client-name', 'graphql-client-name'];
const MAX_CLIENT_LABELS = 50;
const MAX_LOGGED_UNKNOWN = 10_000;

export function createTrustedDocuments({ settings, log: parentLog, registry, production = false }: TrustedDocumentsOptions): TrustedDocuments | undefined {
  const log = parentLog.child({ component: 'trusted-documents' });
  if (production && settings.mode !== 'require') {
    // Production logs warnings and above by default: an info line here would go unseen.
    log.warn({ mode: settings.mode }, `PERSISTED_DOCUMENTS=${settings.mode} in production: operations in no client's manifest run (the production default is require)`);
  }
  if (settings.mode === 'off') return undefined;
  const mode = settings.mode;
  const manifests = readManifests(settings.manifests);
  const byId = trustedDocumentsById(manifests);
  log.info({ mode, clients: manifests.map((manifest) => `${manifest.client} (${manifest.operations.length})`), documents: byId.size }, 'trusted documents loaded');

  const requests = new Counter({
    name: 'gateway_persisted_documents_requests_total',
    help: 'GraphQL requests by how they relate to the clients\' manifests (persisted, ad-hoc, refused), per client name header.',
    labelNames: ['outcome', 'client'] as const,
    registers: [registry],
  });
  const warmed = new Counter({ name: 'gateway_query_plan_warmups_total', help: 'Manifest operations planned ahead, by outcome.', labelNames: ['outcome'] as const, registers: [registry] });

  // Client names are labels: bounded, so a caller cannot grow the metric without limit.
  const clientLabels = new Set<string>();
  function clientOf(headers: IncomingHttpHeaders | Readonly<Record<string, unknown>> | { get(name: string): string | undefined } | undefined): string {
    let name: unknown;
    for (const header of CLIENT_NAME_HEADERS) {
      name = headers && 'get' in headers && typeof headers.get === 'function' ? headers.get(header) : (headers as Record<string, unknown> | undefined)?.[header];
      if (name !== undefined) break;
    }
    if (typeof name !== 'string' || name === '') return 'unknown';
    if (!/^[\w.-]{1,64}$/.test(name)) return 'other';
    if (clientLabels.has(name)) return name;
    if (clientLabels.size >= MAX_CLIENT_LABELS) return 'other';
    clientLabels.add(name);
    return name;
  }

  const loggedUnknown = new Set<string>();
  function record(decision: Decision, client: string, transport: string): void {
    if (decision.kind === 'empty') return;
    requests.inc({ outcome: decision.kind, client });
    if (decision.kind === 'refused') {
      log.debug({ client, transport, code: decision.code }, 'operation refused: not in any manifest');
    } else if (decision.kind === 'ad-hoc' && mode === 'log' && decision.hash && !loggedUnknown.has(decision.hash)) {
      // Once per text: the staging mode shows what would be refused under `require`, without flooding.
      if (loggedUnknown.size >= MAX_LOGGED_UNKNOWN) loggedUnknown.clear();
      loggedUnknown.add(decision.hash);
      const operationName = typeof decision.payload.operationName === 'string' ? decision.payload.operationName : undefined;
      log.warn({ client, transport, sha256: decision.hash, operationName }, 'operation in no manifest: it would be refused under PERSISTED_DOCUMENTS=require');
    }
  }

  // GET requests answered from the manifest, so the plugin may mark the answer cacheable.
  const getById = new WeakSet<HTTPGraphQLRequest>();

  function prepareHttpRequest(request: HTTPGraphQLRequest): HTTPGraphQLRequest {
    const client = clientOf(request.headers);
    const refuse = (decision: Extract<Decision, { kind: 'refused' }>) => new HttpError(decision.status, decision.code, decision.message);
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      let extensions: unknown;
      try {
        extensions = params.has('extensions') ? JSON.parse(params.get('extensions') ?? '') : undefined;
      } catch {
        extensions = undefined; // Apollo Server answers the malformed parameter itself
      }
      const decision = decide(byId, mode, {
        query: params.get('query') ?? undefined,
        operationName: params.get('operationName') ?? undefined,
        documentId: params.get('documentId') ?? undefined,
        extensions,
      });
      record(decision, client, 'http');
      if (decision.kind === 'refused') throw refuse(decision);
      if (decision.kind !== 'persisted') return request;
      params.delete('documentId');
      params.set('query', decision.payload.query as string);
      params.set('operationName', decision.payload.operationName as string);
      if (decision.payload.extensions) params.set('extensions', JSON.stringify(decision.payload.extensions));
      else params.delete('extensions');
      const resolved = { ...request, search: params.toString() };
      getById.add(resolved);
      return resolved;
    }
    const body = request.body;
    // A batch: each element decided alone (Apollo Server then refuses batches; under `require` an
    // unknown element is refused here first, unparsed).
    if (Array.isArray(body)) {
      const decisions = body.map((element) => decide(byId, mode, isPayload(element) ? element : {}));
      decisions.forEach((decision) => record(decision, client, 'http'));
      const refused = decisions.find((decision) => decision.kind === 'refused');
      if (refused) throw refuse(refused);
      return { ...request, body: decisions.map((decision, index) => (decision.kind === 'refused' ? body[index] : decision.payload)) };
    }
    if (!isPayload(body)) return request;
    const decision = decide(byId, mode, body);
    record(decision, client, 'http');
    if (decision.kind === 'refused') throw refuse(decision);
    return decision.kind === 'persisted' ? { ...request, body: decision.payload } : request;
  }

  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart({ request }) {
      if (!request.http || !getById.has(request.http) || settings.cacheMaxAgeSeconds === 0) return;
      const http = request.http;
      let publicAnswer = false;
      return {
        async didResolveOperation({ operation }) {
          // A public answer only for a caller with no credentials: anything a token can see is no one else's.
          publicAnswer = operation?.operation === 'query' && http.headers.get('authorization') === undefined;
        },
        async willSendResponse({ response, overallCachePolicy }) {
          // The same URL with a token must not be answered from a shared cache.
          response.http.headers.set('vary', [response.http.headers.get('vary'), 'authorization'].filter(Boolean).join(', '));
          const failed = response.body.kind !== 'single' || (response.body.singleResult.errors?.length ?? 0) > 0 || (response.http.status ?? 200) !== 200;
          if (!publicAnswer || failed) return;
          // With the entity cache on, the subgraphs' hints set a policy: the answer is public for no
          // longer than its parts allow, and not at all when one forbids it. Without it, the manifest's
          // anonymous queries are public by construction.
          const hinted = overallCachePolicy.maxAge !== undefined;
          const maxAge = hinted ? (overallCachePolicy.scope === 'PRIVATE' ? 0 : Math.min(overallCachePolicy.maxAge ?? 0, settings.cacheMaxAgeSeconds)) : settings.cacheMaxAgeSeconds;
          if (maxAge <= 0) return;
          // Written so Apollo's cache-control plugin leaves it as is.
          response.http.headers.set('cache-control', `public, max-age=${maxAge}`);
        },
      };
    },
  };

  function resolveOperation(payload: unknown, headers?: IncomingHttpHeaders | Readonly<Record<string, unknown>>): ResolvedOperation {
    const decision = decide(byId, mode, isPayload(payload) ? payload : {});
    record(decision, clientOf(headers), 'subscription');
    if (decision.kind === 'refused') return { ok: false, status: decision.status, code: decision.code, message: decision.message };
    const query = decision.payload.query;
    if (decision.kind === 'ad-hoc' && (typeof query !== 'string' || query === '')) {
      // An APQ hash alone: subscriptions have no APQ store to look it up in.
      return { ok: false, status: 400, code: ErrorCode.persistedQueryNotFound, message: 'No persisted document has this id: send the operation as `query`.' };
    }
    return { ok: true, request: decision.payload };
  }

  function warmUp(warm: PlanWarmer): void {
    const started = performance.now();
    let planned = 0;
    for (const document of byId.values()) {
      if (document.type === 'subscription') continue; // served by the gateway itself, not planned as is
      const ok = warm(document.body, document.name);
      warmed.inc({ outcome: ok ? 'planned' : 'failed' });
      if (ok) planned += 1;
      // schema:check fails on this before release; at run time the request will say what is wrong.
      else log.error({ operation: document.name, clients: document.clients }, 'a manifest operation does not plan against this supergraph');
    }
    log.info({ planned, ms: Math.round(performance.now() - started) }, 'query plans of the manifest operations cached');
  }

  function runnablePayload(payload: unknown): RequestPayload | undefined {
    const decision = decide(byId, mode, isPayload(payload) ? payload : {});
    return decision.kind === 'refused' ? undefined : decision.payload;
  }

  return { apolloConfig: mode === 'require' ? { persistedQueries: false } : {}, plugin, prepareHttpRequest, resolveOperation, warmUp, runnablePayload };
}

const isPayload = (value: unknown): value is RequestPayload => typeof value === 'object' && value !== null && !Array.isArray(value);

export type { TrustedDocument };
