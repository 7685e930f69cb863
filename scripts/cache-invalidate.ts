/**
 * `npm run cache:invalidate -- Product:<id> [Type:<id> | Type ...]`: drops every entity cache entry
 * holding these entities, on every gateway. With REDIS_URL it deletes them in the shared store at
 * once (the same atomic script the gateways run, so no read in flight refills them); with AMQP_URL
 * it also publishes the invalidation every gateway consumes (replicas with a memory store). `Type`
 * alone drops the entries that hold values of the type without their key.
 *
 *   REDIS_URL=redis://… AMQP_URL=amqp://… npm run cache:invalidate -- Product:prod_123
 */
import { createEnvelope } from '../common/messaging/envelope.ts';
import { createMessageBus, loadMessagingConfig } from '../common/messaging/messaging-config.ts';
import { createLogger } from '../common/logger.ts';
import { OPERATOR_INVALIDATION_TOPIC } from '../gateway/entity-cache/entity-cache.ts';
import { createRedisStore } from '../gateway/entity-cache/cache-store.ts';

const tags = process.argv.slice(2).filter((arg) => arg !== '--');
const redisUrl = process.env['REDIS_URL'];
const amqpUrl = process.env['AMQP_URL'];
const fail = (message: string): never => {
  process.stderr.write(`cache:invalidate: ${message}\n`);
  process.exit(2);
};
if (tags.length === 0) fail('name what to drop: npm run cache:invalidate -- Product:<id>');
const malformed = tags.filter((tag) => !/^[_A-Za-z]\w*(:.+)?$/.test(tag));
if (malformed.length > 0) fail(`not Type:<id> or Type: ${malformed.join(', ')}`);
if (!redisUrl && !amqpUrl) fail("set REDIS_URL (the gateways' shared store) and/or AMQP_URL (their broker)");
if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) fail('REDIS_URL must be a redis:// URL');

// Each tag's own entries and those of its type without a key, as an event would drop them.
const dropped = [...new Set(tags.flatMap((tag) => [tag, tag.split(':', 1)[0] as string]))];
if (redisUrl) {
  const store = createRedisStore({ url: redisUrl, keyPrefix: process.env['ENTITY_CACHE_KEY_PREFIX'] || 'entity-cache', commandTimeoutMs: 5_000 });
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const count = await store.invalidate(dropped);
        process.stdout.write(`cache:invalidate: ${count} entr${count === 1 ? 'y' : 'ies'} dropped from Redis for ${tags.join(', ')}\n`);
        break;
      } catch (error) {
        // The client connects lazily: give it a moment before calling Redis unreachable.
        if (attempt >= 20) fail(`Redis did not answer: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await store.close();
  }
}
if (amqpUrl) {
  const bus = await createMessageBus(loadMessagingConfig(), createLogger('cache-invalidate', 'warn'), { connectionName: 'cache-invalidate' });
  try {
    await bus.publish(createEnvelope(OPERATOR_INVALIDATION_TOPIC, 'EntityCacheInvalidated', { tags: dropped }, {}));
    process.stdout.write(`cache:invalidate: published to every gateway for ${tags.join(', ')}\n`);
  } finally {
    await bus.close();
  }
}
