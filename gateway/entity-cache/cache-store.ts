// Where cached subgraph values live: Redis (shared by every gateway replica) or this process's
// memory. Both keep the same contract (gateway/entity-cache/cache-store.test.ts runs it on each):
//
// - `lookup` answers the values and the store's invalidation generation, read together;
// - `fill` stores an entry only if none of its tags was invalidated after that generation, so a read
//   that began before an update can never leave its older answer behind once the update's event is
//   handled (fill and invalidate are each atomic: a Lua script in Redis);
// - `invalidate` drops every entry carrying one of the tags and records the new generation on them.
import { Redis } from 'ioredis';

export interface CacheFill {
  readonly key: string;
  readonly value: string;
  readonly ttlSeconds: number;
  readonly tags: readonly string[];
}

export interface CacheLookup {
  readonly values: readonly (string | null)[];
  /** The generation to hand back to `fill` for what this lookup missed. */
  readonly generation: number;
}

export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  lookup(keys: readonly string[]): Promise<CacheLookup>;
  /** How many entries were stored (the others were invalidated while their fetch ran). */
  fill(entries: readonly CacheFill[], generation: number): Promise<number>;
  /** How many entries were dropped. */
  invalidate(tags: readonly string[]): Promise<number>;
  /** Throws while the store cannot answer. */
  healthCheck(): Promise<void>;
  /** Called when the store answers again after failing (Redis reconnected). */
  onRecovered(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * How long a tag remembers its last invalidation: longer than any fetch can take (the subgraph
 * timeout), so a fill whose fetch began before it always sees it.
 */
export const INVALIDATION_MEMORY_SECONDS = 600;

export interface MemoryStoreOptions {
  readonly maxEntries: number;
  readonly now?: () => number;
}

/** One process's store: an LRU map of entries, their tags, and each tag's last invalidation. */
export function createMemoryStore({ maxEntries, now = Date.now }: MemoryStoreOptions): CacheStore {
  const entries = new Map<string, { value: string; expiresAt: number; tags: readonly string[] }>();
  const tagged = new Map<string, Set<string>>();
  const invalidated = new Map<string, { generation: number; at: number }>();
  let generation = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    for (const tag of entry.tags) {
      const keys = tagged.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) tagged.delete(tag);
    }
    return true;
  };

  return {
    kind: 'memory',
    async lookup(keys) {
      const at = now();
      const values = keys.map((key) => {
        const entry = entries.get(key);
        if (!entry) return null;
        if (entry.expiresAt <= at) {
          drop(key);
          return null;
        }
        // Most recently used last: eviction takes the first.
        entries.delete(key);
        entries.set(key, entry);
        return entry.value;
      });
      return { values, generation };
    },
    async fill(fills, since) {
      let stored = 0;
      const at = now();
      for (const fill of fills) {
        if (fill.tags.some((tag) => (invalidated.get(tag)?.generation ?? 0) > since)) continue;
        drop(fill.key);
        entries.set(fill.key, { value: fill.value, expiresAt: at + fill.ttlSeconds * 1000, tags: fill.tags });
        for (const tag of fill.tags) {
          let keys = tagged.get(tag);
          if (!keys) tagged.set(tag, (keys = new Set()));
          keys.add(fill.key);
        }
        stored += 1;
      }
      while (entries.size > maxEntries) drop(entries.keys().next().value as string);
      return stored;
    },
    async invalidate(tags) {
      generation += 1;
      const at = now();
      let dropped = 0;
      for (const tag of tags) {
        invalidated.delete(tag);
        invalidated.set(tag, { generation, at });
        for (const key of [...(tagged.get(tag) ?? [])]) if (drop(key)) dropped += 1;
      }
      // Oldest first: forget what no fetch in flight can still be older than.
      for (const [tag, { at: when }] of invalidated) {
        if (at - when < INVALIDATION_MEMORY_SECONDS * 1000) break;
        invalidated.delete(tag);
      }
      return dropped;
    },
    async healthCheck() {},
    onRecovered() {},
    async close() {
      entries.clear();
      tagged.clear();
    },
  };
}

// KEYS[1]: the generation counter. ARGV: prefix, since, then per entry: key, value, ttl, tag count, tags...
const FILL = `
local prefix = ARGV[1]
local since = tonumber(ARGV[2])
local i = 3
local stored = 0
while i <= #ARGV do
  local key, value, ttl, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local fresh = true
  for t = 1, count do
    local last = redis.call('GET', prefix .. 'inv:' .. ARGV[i + 3 + t])
    if last and tonumber(last) > since then fresh = false end
  end
  if fresh then
    redis.call('SET', prefix .. 'e:' .. key, value, 'EX', ttl)
    for t = 1, count do
      local set = prefix .. 't:' .. ARGV[i + 3 + t]
      redis.call('SADD', set, key)
      if redis.call('TTL', set) < ttl then redis.call('EXPIRE', set, ttl) end
    end
    stored = stored + 1
  end
  i = i + 4 + count
end
return stored
`;

// KEYS[1]: the generation counter. ARGV: prefix, memory seconds, tags...
const INVALIDATE = `
local prefix = ARGV[1]
local generation = redis.call('INCR', KEYS[1])
local dropped = 0
for i = 3, #ARGV do
  local set = prefix .. 't:' .. ARGV[i]
  redis.call('SET', prefix .. 'inv:' .. ARGV[i], generation, 'EX', tonumber(ARGV[2]))
  local keys = redis.call('SMEMBERS', set)
  for _, key in ipairs(keys) do dropped = dropped + redis.call('DEL', prefix .. 'e:' .. key) end
  redis.call('DEL', set)
end
return dropped
`;

export interface RedisStoreOptions {
  readonly url: string;
  /** Every key starts with it (`<prefix>:`). */
  readonly keyPrefix: string;
  /** A Redis command slower than this counts as failed: the request goes on without the cache. */
  readonly commandTimeoutMs?: number;
}

type ScriptedRedis = Redis & {
  cacheFill(generationKey: string, ...args: (string | number)[]): Promise<number>;
  cacheInvalidate(generationKey: string, ...args: (string | number)[]): Promise<number>;
};

/** The shared store: entries `<prefix>:e:<key>`, tag sets `<prefix>:t:<tag>`, invalidations `<prefix>:inv:<tag>`, counter `<prefix>:gen`. */
export function createRedisStore({ url, keyPrefix, commandTimeoutMs = 500 }: RedisStoreOptions): CacheStore {
  const redis = new Redis(url, {
    // Fail at once while disconnected instead of queueing: the request goes to the subgraph then.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  }) as ScriptedRedis;
  redis.defineCommand('cacheFill', { numberOfKeys: 1, lua: FILL });
  redis.defineCommand('cacheInvalidate', { numberOfKeys: 1, lua: INVALIDATE });
  // The client reconnects by itself; errors surface on the commands that fail meanwhile.
  redis.on('error', () => {});
  const prefix = `${keyPrefix}:`;
  const generationKey = `${prefix}gen`;
  const recovered: (() => void)[] = [];
  let failed = false;
  redis.on('close', () => {
    failed = true;
  });
  redis.on('ready', () => {
    if (!failed) return;
    failed = false;
    for (const listener of recovered) listener();
  });
  return {
    kind: 'redis',
    async lookup(keys) {
      const answer = await redis.mget(generationKey, ...keys.map((key) => `${prefix}e:${key}`));
      return { generation: Number(answer[0] ?? 0), values: answer.slice(1) };
    },
    async fill(fills, since) {
      if (fills.length === 0) return 0;
      const args: (string | number)[] = [prefix, since];
      for (const fill of fills) args.push(fill.key, fill.value, Math.max(1, Math.ceil(fill.ttlSeconds)), fill.tags.length, ...fill.tags);
      return redis.cacheFill(generationKey, ...args);
    },
    async invalidate(tags) {
      if (tags.length === 0) return 0;
      return redis.cacheInvalidate(generationKey, prefix, INVALIDATION_MEMORY_SECONDS, ...tags);
    },
    async healthCheck() {
      if ((await redis.ping()) !== 'PONG') throw new Error('Redis did not answer PING');
    },
    onRecovered(listener) {
      recovered.push(listener);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
