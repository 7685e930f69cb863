// The contract both entity cache stores keep: the in-memory one (`npm start`, a lone gateway) and
// Redis (replicas sharing it). Above all: a fill whose lookup came before an invalidation of one of
// its tags is refused, so a read racing an update never leaves its older answer behind.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startScratchRedis } from '../../test/support/scratch-redis.ts';
import { TEST_REDIS_URL, deleteRedisKeys } from '../../test/support/test-redis.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { createMemoryStore, createRedisStore, type CacheStore } from './cache-store.ts';

const prefixes: string[] = [];
const stores: CacheStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(prefixes.map((prefix) => deleteRedisKeys(prefix)));
});

const connected = (store: CacheStore) =>
  waitFor(
    () =>
      store.healthCheck().then(
        () => true,
        () => false,
      ),
    Boolean,
    { what: 'the store to connect' },
  );

const factories: Record<string, () => Promise<CacheStore>> = {
  memory: async () => createMemoryStore({ maxEntries: 1_000 }),
  redis: async () => {
    const keyPrefix = `test-entity-cache-${randomUUID()}`;
    prefixes.push(keyPrefix);
    const store = createRedisStore({ url: TEST_REDIS_URL, keyPrefix });
    await connected(store);
    return store;
  },
};

const entry = (key: string, tags: string[], value = `value of ${key}`) => ({ key, value, ttlSeconds: 60, tags });

describe.each(Object.keys(factories))('the %s store', (kind) => {
  const open = async () => {
    const store = await (factories[kind] as () => Promise<CacheStore>)();
    stores.push(store);
    return store;
  };

  it('answers what was filled, and nothing for what was not', async () => {
    const store = await open();
    const { generation, values } = await store.lookup(['a', 'b']);
    expect(values).toEqual([null, null]);
    expect(await store.fill([entry('a', ['Item:1'])], generation)).toBe(1);
    expect((await store.lookup(['a', 'b'])).values).toEqual(['value of a', null]);
  });

  it('drops every entry carrying an invalidated tag, and only those', async () => {
    const store = await open();
    const { generation } = await store.lookup([]);
    await store.fill([entry('page', ['Item:1']), entry('list', ['Item:1', 'Item:2']), entry('other', ['Item:2']), entry('untagged', [])], generation);
    expect(await store.invalidate(['Item:1'])).toBe(2);
    expect((await store.lookup(['page', 'list', 'other', 'untagged'])).values).toEqual([null, null, 'value of other', 'value of untagged']);
    expect(await store.invalidate(['Item:1'])).toBe(0);
  });

  it('refuses a fill whose lookup came before an invalidation of one of its tags (a read racing an update)', async () => {
    const store = await open();
    const before = await store.lookup(['page']);
    // The update's event is handled while the read's fetch is under way...
    await store.invalidate(['Item:1']);
    // ...so what that fetch brings back is not kept; an entry with other tags is.
    expect(await store.fill([entry('page', ['Item:1']), entry('unrelated', ['Item:9'])], before.generation)).toBe(1);
    expect((await store.lookup(['page', 'unrelated'])).values).toEqual([null, 'value of unrelated']);
    // A read that began after the invalidation fills as usual.
    const after = await store.lookup(['page']);
    expect(await store.fill([entry('page', ['Item:1'], 'new')], after.generation)).toBe(1);
    expect((await store.lookup(['page'])).values).toEqual(['new']);
  });

  it('keeps a refill replacing the old entry under its new tags', async () => {
    const store = await open();
    const { generation } = await store.lookup([]);
    await store.fill([entry('list', ['Item:1'])], generation);
    await store.fill([entry('list', ['Item:2'], 'second')], generation);
    await store.invalidate(['Item:2']);
    expect((await store.lookup(['list'])).values).toEqual([null]);
  });
});

describe('the memory store', () => {
  it('forgets an entry once its time is up, and the least recently used beyond its bound', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ maxEntries: 2, now: () => now });
    const { generation } = await store.lookup([]);
    await store.fill([{ key: 'short', value: 's', ttlSeconds: 1, tags: [] }, entry('a', [])], generation);
    now += 1_001;
    expect((await store.lookup(['short', 'a'])).values).toEqual([null, 'value of a']);
    await store.fill([entry('b', []), entry('c', [])], generation);
    expect((await store.lookup(['a', 'b', 'c'])).values).toEqual([null, 'value of b', 'value of c']);
  });
});

describe('the Redis store', () => {
  it('fails while Redis is down, and says so when it answers again', async () => {
    const redis = await startScratchRedis();
    const store = createRedisStore({ url: redis.url, keyPrefix: 'entity-cache' });
    stores.push(store);
    let recovered = 0;
    store.onRecovered(() => (recovered += 1));
    await connected(store);
    await redis.stop();
    await expect(store.lookup(['a'])).rejects.toThrow();
    await expect(store.healthCheck()).rejects.toThrow();
    await redis.start();
    await connected(store);
    expect(recovered).toBe(1);
    await redis.stop();
  });
});
