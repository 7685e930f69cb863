// Supergraph hot reload, one unit: where new supergraphs come from (the SUPERGRAPH_PATH file, watched;
// a Redis key every replica follows, written by `npm run schema:publish`), the checks a new one must
// pass before it replaces the one being served, warming the query-plan cache, and the switch itself
// through @apollo/gateway's `supergraphSdl` hook (its `update` callback).
//
// A new supergraph is served only when it loads: it builds as a supergraph, routes only to
// configured subgraphs, its `@event` fields can be served, its subgraphs answer a health check, and
// the gateway accepts it. Anything else is logged, counted (gateway_supergraph_reloads_total
// {outcome="refused"}), and the working one keeps serving. Requests already executing finish with the
// plan they were given; the first requests after the switch find their plans ready: operations seen
// recently are planned by the executor for the new supergraph right after the switch (before any
// request can use it: `update` and the warm-up run in one turn).
// What happens to open subscriptions is theirs (the subscriptions feature re-checks each one at
// `schemaChanged`). createHotReload is this unit as a gateway feature (gateway/feature.ts).
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import { buildSupergraph } from '../../common/supergraph.ts';
import type { GatewayFeature, PlanWarmer } from '../feature.ts';

export interface SupergraphReloadSettings {
  /** Watch this file and serve what it holds when it changes. */
  readonly watchPath: string | undefined;
  /** Follow this Redis key (and its `<key>:updated` channel); needs `redisUrl`. */
  readonly redisKey: string | undefined;
  readonly redisUrl: string | undefined;
}

export interface SupergraphReloadOptions {
  readonly settings: SupergraphReloadSettings;
  readonly initialSdl: string;
  /** Problems that keep `sdl` from being served (unconfigured subgraphs, `@event` fields that cannot work). */
  readonly problems: (sdl: string) => string[];
  /** The supergraph as the gateway loads it (authorization: servableSupergraph), applied to each one offered. */
  readonly prepare?: (sdl: string) => string;
  readonly log: Logger;
  readonly registry: Registry;
}

export type ReloadOutcome = 'applied' | 'unchanged' | 'refused';

export interface SupergraphReload {
  /** For `new ApolloGateway({ supergraphSdl: reload.hook })`. */
  readonly hook: SupergraphSdlHook;
  /** Records the operations served, to warm the plan cache with at a switch. */
  readonly plugin: ApolloServerPlugin;
  /**
   * Plans the recent operations for the supergraph just loaded: the gateway calls it at each load,
   * inside the switch (`update`), before any request can plan on the new supergraph.
   */
  warmUp(warm: PlanWarmer): void;
  /** Serves `sdl` if it loads; what came of it. */
  offer(sdl: string, source: string): Promise<ReloadOutcome>;
  /** The id (sha256) of the supergraph served now. */
  currentId(): string;
  stop(): Promise<void>;
}

/** Operations remembered for warming. */
const RECENT_OPERATIONS = 200;
const WATCH_SETTLE_MS = 100;

const idOf = (sdl: string) => createHash('sha256').update(sdl).digest('hex');

interface RecentOperation {
  readonly query: string;
  readonly operationName: string | undefined;
}

export function createSupergraphReload(options: SupergraphReloadOptions): SupergraphReload {
  const { settings } = options;
  const log = options.log.child({ component: 'supergraph-reload' });
  const reloads = new Counter({
    name: 'gateway_supergraph_reloads_total',
    help: 'New supergraphs offered to the gateway, by source and outcome (applied, refused).',
    labelNames: ['source', 'outcome'] as const,
    registers: [options.registry],
  });
  const warmed = new Gauge({
    name: 'gateway_supergraph_warmed_plans',
    help: 'Query plans prepared for the supergraph served now before it was switched to.',
    registers: [options.registry],
  });
  const recent = new Map<string, RecentOperation>();
  let update: ((sdl: string) => void) | undefined;
  let healthCheck: ((sdl: string) => Promise<void>) | undefined;
  let current = idOf(options.initialSdl);
  let queue: Promise<unknown> = Promise.resolve();
  let watcher: FSWatcher | undefined;
  let settle: NodeJS.Timeout | undefined;
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  let stopped = false;
  /** Plans warmed by the last warmUp: the one the switch (`update`) ran. */
  let warmedPlans = 0;

  async function apply(offered: string, source: string): Promise<ReloadOutcome> {
    const sdl = options.prepare ? options.prepare(offered) : offered;
    const id = idOf(sdl);
    if (id === current) return 'unchanged';
    const refuse = (reason: string, detail: unknown) => {
      reloads.inc({ source, outcome: 'refused' });
      log.error({ source, supergraphId: id, reason, detail }, 'a new supergraph was refused; the current one keeps serving');
      return 'refused' as const;
    };
    if (!update) return refuse('not started', undefined);
    try {
      buildSupergraph(sdl, { validateSupergraph: true });
    } catch (error) {
      return refuse('does not load', error instanceof Error ? error.message : String(error));
    }
    const problems = options.problems(sdl);
    if (problems.length > 0) return refuse('cannot be served', problems);
    try {
      await healthCheck?.(sdl);
    } catch (error) {
      return refuse('subgraphs unhealthy', error instanceof Error ? error.message : String(error));
    }
    warmedPlans = 0;
    try {
      update(sdl);
    } catch (error) {
      return refuse('the gateway refused it', error instanceof Error ? error.message : String(error));
    }
    current = id;
    // Warmed inside update(), in the same turn: no request has planned on the new supergraph yet.
    warmed.set(warmedPlans);
    reloads.inc({ source, outcome: 'applied' });
    log.info({ source, supergraphId: id, warmedPlans }, 'serving a new supergraph');
    return 'applied';
  }

  // One reload at a time, in the order they were offered.
  const offer = (sdl: string, source: string): Promise<ReloadOutcome> => {
    const next = queue.then(() => (stopped ? ('refused' as const) : apply(sdl, source)));
    queue = next.catch(() => undefined);
    return next;
  };

  async function readFileSource(path: string) {
    let sdl: string;
    try {
      sdl = await readFile(path, 'utf8');
    } catch (error) {
      reloads.inc({ source: 'file', outcome: 'refused' });
      log.error({ err: error, path }, 'the supergraph file cannot be read; the current supergraph keeps serving');
      return;
    }
    await offer(sdl, 'file');
  }

  function watchFile(path: string) {
    // The directory, not the file: editors and `kubectl` (ConfigMaps) replace files by renaming.
    watcher = watch(dirname(path), (_event, name) => {
      if (name !== null && name !== basename(path) && !name.startsWith('..')) return;
      clearTimeout(settle);
      settle = setTimeout(() => void readFileSource(path), WATCH_SETTLE_MS);
    });
    watcher.on('error', (error) => log.error({ err: error, path }, 'watching the supergraph file failed'));
  }

  async function followRedis(url: string, key: string) {
    redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    subscriber = new Redis(url, { lazyConnect: true });
    for (const client of [redis, subscriber]) client.on('error', (error) => log.warn({ err: error.message }, 'the shared supergraph source (Redis) is unreachable'));
    const fetchShared = async () => {
      const sdl = await redis?.get(key);
      if (sdl) await offer(sdl, 'redis');
    };
    await Promise.all([redis.connect(), subscriber.connect()]);
    subscriber.on('message', (channel) => {
      if (channel === `${key}:updated`) void fetchShared().catch((error: unknown) => log.error({ err: error }, 'reading the shared supergraph failed'));
    });
    // Reconnected: what was published meanwhile is read again.
    subscriber.on('ready', () => void fetchShared().catch(() => {}));
    await subscriber.subscribe(`${key}:updated`);
    await fetchShared();
  }

  return {
    hook: async ({ update: push, healthCheck: check }) => {
      update = push;
      healthCheck = check;
      if (settings.watchPath) watchFile(settings.watchPath);
      if (settings.redisKey && settings.redisUrl) {
        // After the gateway has loaded the initial supergraph: a shared one is offered like any other.
        setImmediate(
          () =>
            void followRedis(settings.redisUrl as string, settings.redisKey as string).catch((error: unknown) =>
              log.error({ err: error }, 'following the shared supergraph failed'),
            ),
        );
      }
      return { supergraphSdl: options.initialSdl, cleanup: async () => void (update = undefined) };
    },
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ request, queryHash, operation }) {
            if (!operation || operation.operation === 'subscription' || typeof request.query !== 'string') return;
            const key = `${request.operationName ?? ''}\n${queryHash}`;
            recent.delete(key);
            recent.set(key, { query: request.query, operationName: request.operationName ?? undefined });
            if (recent.size > RECENT_OPERATIONS) recent.delete(recent.keys().next().value as string);
          },
        };
      },
    },
    warmUp(warm) {
      warmedPlans = 0;
      // Those that no longer plan are left to plan (and fail) at request time.
      for (const operation of recent.values()) if (warm(operation.query, operation.operationName)) warmedPlans += 1;
    },
    offer,
    currentId: () => current,
    async stop() {
      stopped = true;
      clearTimeout(settle);
      watcher?.close();
      await Promise.all([redis?.quit().catch(() => {}), subscriber?.quit().catch(() => {})]);
      await queue;
    },
  };
}

export interface HotReloadFeature extends GatewayFeature {
  /** For `new ApolloGateway({ supergraphSdl: hotReload.hook })`: the supergraph comes from this feature. */
  readonly hook: SupergraphSdlHook;
  readonly reload: SupergraphReload;
}

/**
 * Hot reload as a gateway feature. Always on: the first supergraph comes through its hook too;
 * with neither SUPERGRAPH_WATCH nor SUPERGRAPH_REDIS_KEY it never offers another. Drain stops
 * following the sources (a reload in progress finishes first).
 */
export function createHotReload(settings: SupergraphReloadSettings, dependencies: Omit<SupergraphReloadOptions, 'settings'>): HotReloadFeature {
  const reload = createSupergraphReload({ settings, ...dependencies });
  return {
    name: 'hot-reload',
    hook: reload.hook,
    reload,
    apolloPlugins: [reload.plugin],
    warmUp: (warm) => reload.warmUp(warm),
    drain: () => reload.stop(),
  };
}
