// The entity cache as one feature (docs/entity-cache.md): the `cache` layer of the subgraph fetch
// (it answers what it holds and calls `next` for the rest), consumes the invalidating events on a
// transient queue of this gateway's own, restricts each response's Cache-Control to what its parts
// allow, and reports its store's health. With ENTITY_CACHE_ENABLED=false none of it exists.
import { createHash, randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { HealthCheck } from '../../common/health.ts';
import type { Logger } from '../../common/logger.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { createTopicFollower } from '../topic-follower.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { GatewayFeature } from '../feature.ts';
import type { FetchLayer, FetchScope, SubgraphFetch, SubgraphReply, SubgraphRequest, SubgraphResponse } from '../fetch/fetch-types.ts';
import { entityTag, listTag, readCacheHints, type CacheHints, type CachePolicy, type FetchShape } from './cache-hints.ts';
import { createMemoryStore, createRedisStore, type CacheFill, type CacheStore } from './cache-store.ts';
import { createEntityCacheMetrics } from './entity-cache-metrics.ts';

/** Operators' invalidations (`npm run cache:invalidate`): payload `{ tags: ["Type:id", ...] }`. */
export const OPERATOR_INVALIDATION_TOPIC = 'gateway.entity-cache.invalidate';

export interface EntityCacheSettings {
  readonly enabled: boolean;
  readonly store: 'redis' | 'memory';
  readonly redisUrl: string | undefined;
  readonly keyPrefix: string;
  /** The memory store's bound. */
  readonly maxEntries: number;
}

/**
 * What one client request's fetches allowed: the response's Cache-Control is the most restrictive
 * of its parts (Apollo Router's rule). Present in the context of HTTP requests only: fetches made
 * for subscription events read the subgraphs (the event may not have reached this cache yet).
 */
export class CachePolicySink {
  private maxAge = Number.POSITIVE_INFINITY;
  private scope: CachePolicy['scope'] = 'PUBLIC';
  private parts = 0;

  restrict(policy: CachePolicy): void {
    this.parts += 1;
    this.maxAge = Math.min(this.maxAge, Math.max(0, Math.floor(policy.maxAge)));
    if (policy.scope === 'PRIVATE') this.scope = 'PRIVATE';
  }

  /** Undefined when no fetch ran (nothing to say). A signed-in caller's answer is never public. */
  policyFor(viewer: Viewer | null): CachePolicy | undefined {
    if (this.parts === 0) return undefined;
    return { maxAge: this.maxAge, scope: viewer ? 'PRIVATE' : this.scope };
  }
}

export interface CacheContext {
  readonly fetchScope?: FetchScope;
  readonly viewer: Viewer | null;
}

// The request's sink lives in its fetch scope under this key: made at its first fetch (no fetch, nothing to say).
const POLICY_SINK = Symbol('entity-cache policy sink');

function sinkOf(scope: FetchScope | undefined): CachePolicySink | undefined {
  if (!scope) return undefined;
  let sink = scope.entries.get(POLICY_SINK) as CachePolicySink | undefined;
  if (!sink) {
    sink = new CachePolicySink();
    scope.entries.set(POLICY_SINK, sink);
  }
  return sink;
}

type Send = (request: SubgraphRequest) => Promise<SubgraphReply>;

const NO_HEADERS: ReadonlyMap<string, readonly string[]> = new Map();

/** What the cache answers itself: no subgraph's headers, and never this caller's own. */
const fromCache = (response: SubgraphResponse): SubgraphReply => ({ response, headers: NO_HEADERS, reused: true });

interface Cached {
  readonly data: unknown;
  readonly scope: CachePolicy['scope'];
  /** Epoch ms. */
  readonly expiresAt: number;
}

const UNCACHEABLE: CachePolicy = { maxAge: 0, scope: 'PUBLIC' };

/** JSON with object keys sorted, so equal variables make equal keys. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stable((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

export interface EntityCacheOptions {
  readonly settings: EntityCacheSettings;
  readonly supergraphSdl: string;
  readonly bus: MessageBus;
  readonly log: Logger;
  readonly registry: Registry;
  /** A store of the caller's (tests); else the one the settings name. */
  readonly store?: CacheStore;
  /** Defaults to `gateway.entity-cache.<random uuid>`. */
  readonly queue?: string;
}

export interface EntityCache {
  /** The `cache` layer of the subgraph fetch. */
  readonly layer: FetchLayer;
  /** Restricts each response's cache policy to what its fetches allowed. */
  readonly plugin: ApolloServerPlugin<CacheContext>;
  readonly healthChecks: readonly HealthCheck[];
  /** A new supergraph: new hints, and the topics it declares. */
  update(supergraphSdl: string): Promise<void>;
  /** Starts consuming the invalidating events. */
  start(): Promise<void>;
  /** Drops the entries holding these entities (`Type:id`), as an event would. */
  invalidate(tags: readonly string[], source: string): Promise<number>;
  stop(): Promise<void>;
}

/** The entity cache, or undefined when it is switched off (then nothing of it exists). */
export function createEntityCache(options: EntityCacheOptions): EntityCache | undefined {
  const { settings, bus, registry } = options;
  if (!settings.enabled) return undefined;
  const log = options.log.child({ component: 'entity-cache' });
  const store =
    options.store ??
    (settings.store === 'redis' && settings.redisUrl
      ? createRedisStore({ url: settings.redisUrl, keyPrefix: settings.keyPrefix })
      : createMemoryStore({ maxEntries: settings.maxEntries }));
  const metrics = createEntityCacheMetrics(registry);
  const queue = options.queue ?? `gateway.entity-cache.${randomUUID()}`;
  let hints: CacheHints = readCacheHints(options.supergraphSdl);
  // Invalidations the store could not take (Redis down): applied again as soon as it answers.
  const pending = new Set<string>();
  let storeDown = false;

  const storeFailed = (operation: string, error: unknown) => {
    metrics.storeErrors.inc({ operation });
    if (!storeDown) log.warn({ err: error instanceof Error ? error.message : String(error), store: store.kind }, 'entity cache store unreachable: requests go to the subgraphs');
    storeDown = true;
  };

  const typeOfTag = (tag: string) => tag.split(':', 1)[0] ?? tag;

  async function invalidate(tags: readonly string[], source: string): Promise<number> {
    if (tags.length === 0) return 0;
    for (const tag of new Set(tags.map(typeOfTag))) metrics.invalidations.inc({ type: tag, source });
    try {
      const dropped = await store.invalidate(tags);
      storeDown = false;
      return dropped;
    } catch (error) {
      storeFailed('invalidate', error);
      for (const tag of tags) pending.add(tag);
      return 0;
    }
  }

  store.onRecovered(() => {
    if (pending.size === 0) return;
    const tags = [...pending];
    pending.clear();
    log.info({ tags: tags.length }, 'entity cache store is back: applying the invalidations it missed');
    void invalidate(tags, 'replay');
  });

  async function handle(message: Envelope): Promise<void> {
    const payload = message.payload;
    if (!isObject(payload)) return;
    if (message.routingKey === OPERATOR_INVALIDATION_TOPIC) {
      const tags = Array.isArray(payload['tags']) ? payload['tags'].filter((tag): tag is string => typeof tag === 'string') : [];
      await invalidate(tags, 'operator');
      return;
    }
    const tags = new Set<string>();
    for (const declared of hints.invalidations) {
      if (declared.topic !== message.routingKey) continue;
      const id = payload[declared.idField];
      if (typeof id !== 'string' && typeof id !== 'number') continue;
      // The entity's own entries, and those that hold values of its type without their key.
      tags.add(entityTag(declared.type, String(id)));
      tags.add(entityTag(declared.type, undefined));
      if (declared.lists) tags.add(listTag(declared.type));
    }
    await invalidate([...tags], 'event');
  }

  // maxAttempts 1: the handler never throws (a store failure is remembered and replayed).
  const follower = createTopicFollower({ bus, queue, handler: handle, log });
  const consume = () => follower.follow([...hints.topics, OPERATOR_INVALIDATION_TOPIC]);

  /** Per user for PRIVATE values; per role otherwise (the subgraphs authorize fields by role). */
  const scopeKey = (policy: CachePolicy, viewer: Viewer | null): string | undefined => {
    if (policy.scope === 'PRIVATE') return viewer ? `user:${viewer.id}` : undefined;
    return `role:${viewer?.role ?? 'anonymous'}`;
  };

  const decode = (value: string | null | undefined, now: number): Cached | undefined => {
    if (!value) return undefined;
    try {
      const cached = JSON.parse(value) as Cached;
      return cached.expiresAt > now ? cached : undefined;
    } catch {
      return undefined;
    }
  };

  const remaining = (cached: Cached, now: number): CachePolicy => ({ maxAge: Math.max(0, Math.floor((cached.expiresAt - now) / 1000)), scope: cached.scope });

  async function lookup(keys: readonly string[]): Promise<{ values: readonly (string | null)[]; generation: number } | undefined> {
    try {
      const found = await store.lookup(keys);
      storeDown = false;
      return found;
    } catch (error) {
      storeFailed('lookup', error);
      return undefined;
    }
  }

  async function fill(entries: readonly CacheFill[], generation: number, type: (entry: CacheFill) => string): Promise<void> {
    if (entries.length === 0) return;
    try {
      await store.fill(entries, generation);
      for (const entry of entries) metrics.storedBytes.inc({ type: type(entry) }, entry.value.length);
    } catch (error) {
      storeFailed('fill', error);
    }
  }

  async function fetchRoot(shape: FetchShape, keyBase: string, request: SubgraphRequest, sink: CachePolicySink, send: Send): Promise<SubgraphReply> {
    const span = trace.getActiveSpan();
    const key = digest(`${keyBase}\u0000${stable(request.variables ?? {})}`);
    const found = await lookup([key]);
    const now = Date.now();
    const cached = decode(found?.values[0], now);
    if (cached) {
      metrics.lookups.inc({ type: shape.label, outcome: 'hit' });
      span?.setAttributes({ 'cache.outcome': 'hit', 'cache.hits': 1, 'cache.misses': 0 });
      sink.restrict(remaining(cached, now));
      return fromCache({ data: cached.data as Record<string, unknown> });
    }
    metrics.lookups.inc({ type: shape.label, outcome: found ? 'miss' : 'unavailable' });
    span?.setAttributes({ 'cache.outcome': found ? 'miss' : 'unavailable', 'cache.hits': 0, 'cache.misses': 1 });
    const reply = await send(request);
    const response = reply.response;
    if (response.errors?.length || !isObject(response.data)) {
      sink.restrict(UNCACHEABLE);
      return reply;
    }
    sink.restrict(shape.policy);
    if (found) {
      const value = JSON.stringify({ data: response.data, scope: shape.policy.scope, expiresAt: Date.now() + shape.policy.maxAge * 1000 } satisfies Cached);
      await fill([{ key, value, ttlSeconds: shape.policy.maxAge, tags: [...shape.tagsOf(response.data)] }], found.generation, () => shape.label);
    }
    return reply;
  }

  async function fetchEntities(shape: FetchShape, keyBase: string, request: SubgraphRequest, sink: CachePolicySink, send: Send): Promise<SubgraphReply> {
    const span = trace.getActiveSpan();
    const { representations, ...rest } = request.variables ?? {};
    if (!Array.isArray(representations) || representations.length === 0 || !representations.every(isObject)) {
      sink.restrict(UNCACHEABLE);
      return send(request);
    }
    const reps = representations as Record<string, unknown>[];
    const typeOf = (index: number) => String(reps[index]?.['__typename'] ?? '_entities');
    const base = `${keyBase}\u0000${stable(rest)}`;
    const keys = reps.map((representation) => digest(`${base}\u0000${stable(representation)}`));
    const found = await lookup(keys);
    const now = Date.now();
    const entities: unknown[] = new Array(reps.length);
    const missing: number[] = [];
    const hitPolicies: CachePolicy[] = [];
    reps.forEach((_, index) => {
      const cached = decode(found?.values[index], now);
      if (cached) {
        entities[index] = cached.data;
        hitPolicies.push(remaining(cached, now));
        metrics.lookups.inc({ type: typeOf(index), outcome: 'hit' });
      } else {
        missing.push(index);
        metrics.lookups.inc({ type: typeOf(index), outcome: found ? 'miss' : 'unavailable' });
      }
    });
    span?.setAttributes({
      'cache.outcome': missing.length === 0 ? 'hit' : !found ? 'unavailable' : missing.length === reps.length ? 'miss' : 'partial',
      'cache.hits': reps.length - missing.length,
      'cache.misses': missing.length,
    });
    for (const policy of hitPolicies) sink.restrict(policy);
    if (missing.length === 0) return fromCache({ data: { _entities: entities } });

    const reply = await send(missing.length === reps.length ? request : { ...request, variables: { ...rest, representations: missing.map((index) => reps[index]) } });
    const response = reply.response;
    const fetched = isObject(response.data) && Array.isArray(response.data['_entities']) ? (response.data['_entities'] as unknown[]) : undefined;
    if (missing.length === reps.length && (response.errors?.length || !fetched)) {
      sink.restrict(UNCACHEABLE);
      return reply;
    }
    // Partly from the cache: the subgraph's headers are still this caller's own (its fetch of the rest).
    const merged = (own: SubgraphResponse): SubgraphReply => ({ response: own, headers: reply.headers, reused: false });
    missing.forEach((index, position) => {
      entities[index] = fetched?.[position] ?? null;
    });
    // Error paths name positions in what was sent: put them back at the positions the plan asked for.
    const errors = response.errors?.map((error) => {
      const path = error.path;
      if (!path || path[0] !== '_entities' || typeof path[1] !== 'number') return error;
      return { ...error, path: ['_entities', missing[path[1]] ?? path[1], ...path.slice(2)] };
    });
    if (errors?.length || !fetched) {
      sink.restrict(UNCACHEABLE);
      return merged({ ...response, data: { ...(isObject(response.data) ? response.data : {}), _entities: entities }, ...(errors ? { errors } : {}) });
    }
    sink.restrict(shape.policy);
    if (found) {
      const expiresAt = Date.now() + shape.policy.maxAge * 1000;
      const fills: CacheFill[] = [];
      const types = new Map<string, string>();
      missing.forEach((index, position) => {
        const entity = fetched[position];
        // A missing entity (null) is not kept: it may appear any moment.
        if (!isObject(entity)) return;
        const key = keys[index] as string;
        types.set(key, typeOf(index));
        fills.push({
          key,
          value: JSON.stringify({ data: entity, scope: shape.policy.scope, expiresAt } satisfies Cached),
          ttlSeconds: shape.policy.maxAge,
          tags: [...shape.tagsOf(entity, reps[index])],
        });
      });
      await fill(fills, found.generation, (entry) => types.get(entry.key) ?? '_entities');
    }
    return merged({ ...response, data: { ...response.data, _entities: entities } });
  }

  const plugin: ApolloServerPlugin<CacheContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, overallCachePolicy }) {
          const sink = contextValue.fetchScope?.entries.get(POLICY_SINK) as CachePolicySink | undefined;
          const policy = sink?.policyFor(contextValue.viewer);
          // Apollo's cache-control plugin writes the header from this (no-store when a part forbids it, or on errors).
          if (policy) overallCachePolicy.restrict({ maxAge: policy.maxAge, scope: policy.scope });
        },
      };
    },
  };

  async function throughCache(fetch: SubgraphFetch, send: Send): Promise<SubgraphReply> {
    const { subgraph, request, caller, mutation, headers } = fetch;
    const sink = sinkOf(caller.scope);
    if (mutation) {
      // A mutation's answer names what it changed: dropped before the answer goes back, so the
      // caller reads its own write on any gateway sharing the store; the events do the rest.
      sink?.restrict(UNCACHEABLE);
      const reply = await send(request);
      const response = reply.response;
      const tags = isObject(response.data) ? hints.entityTagsOf(request.query, response.data) : new Set<string>();
      for (const tag of [...tags]) {
        const type = typeOfTag(tag);
        tags.add(type);
        // What may have joined or left a list (a created product) is in no kept list's tags by id.
        if (hints.invalidations.some((declared) => declared.lists && declared.type === type)) tags.add(listTag(type));
      }
      if (tags.size > 0) await invalidate([...tags], 'mutation');
      return reply;
    }
    if (!sink) return send(request);
    const shape = hints.shapeOf(request.query);
    const scope = shape ? scopeKey(shape.policy, caller.viewer) : undefined;
    if (!shape || !scope) {
      sink.restrict(shape?.policy ?? UNCACHEABLE);
      return send(request);
    }
    // Headers a layer above added (a tenant) may change the answer: part of the key when present.
    const keyBase = `${subgraph}\u0000${digest(request.query)}\u0000${scope}${headers ? `\u0000${stable(headers)}` : ''}`;
    return shape.kind === 'entities' ? fetchEntities(shape, keyBase, request, sink, send) : fetchRoot(shape, keyBase, request, sink, send);
  }

  return {
    layer: {
      stage: 'cache',
      handle: (fetch, next) => throughCache(fetch, (request) => next(request === fetch.request ? fetch : { ...fetch, request })),
    },
    plugin,
    healthChecks: store.kind === 'redis' ? [{ name: 'entity-cache', check: () => store.healthCheck(), critical: false }] : [],
    async update(supergraphSdl) {
      hints = readCacheHints(supergraphSdl);
      await consume();
    },
    start: consume,
    invalidate,
    async stop() {
      await follower.stop();
      await store.close();
    },
  };
}

/**
 * The entity cache as a gateway feature (ENTITY_CACHE_ENABLED), or undefined when off: its fetch
 * layer, its Apollo plugin (before trusted documents: their public answer follows the policy it
 * sets), its store's health (not critical: without it the cache steps aside), the invalidating
 * events from `start` to `stop`, and a reload's new hints and topics.
 */
export function createEntityCacheFeature(options: EntityCacheOptions): GatewayFeature | undefined {
  const cache = createEntityCache(options);
  if (!cache) return undefined;
  const log = options.log;
  return {
    name: 'entity-cache',
    fetch: cache.layer,
    apolloPlugins: [cache.plugin],
    healthChecks: cache.healthChecks,
    schemaChanged({ supergraphSdl, reload }) {
      if (!reload) return;
      void cache.update(supergraphSdl).catch((error: unknown) => log.error({ err: error }, 'consuming the new cache invalidation topics failed'));
    },
    start: () => cache.start(),
    // After the requests in flight (the server stops features after Apollo): they may still read and fill it.
    stop: () => cache.stop(),
  };
}
