// The small shared pieces: topic matching (as RabbitMQ does it), backoff, envelope checks, configuration.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { backoffDelay, MAX_BACKOFF_MS } from './backoff.ts';
import { decodeEnvelope, encodeEnvelope, MalformedMessageError } from './envelope-codec.ts';
import { createEnvelope } from './envelope.ts';
import { loadMessagingConfig } from './messaging-config.ts';
import { topicMatches } from './topic-pattern.ts';

describe('topicMatches', () => {
  it.each([
    ['orders.placed', 'orders.placed', true],
    ['orders.placed', 'orders.cancelled', false],
    ['orders.*', 'orders.placed', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'orders.placed.v2', false],
    ['*.placed', 'orders.placed', true],
    ['#', 'anything.at.all', true],
    ['#', '', true],
    ['orders.#', 'orders', true],
    ['orders.#', 'orders.a.b.c', true],
    ['#.reserved', 'reserved', true],
    ['stock.#.reserved', 'stock.reserved', true],
    ['stock.#.reserved', 'stock.a.b.reserved', true],
    ['stock.#.reserved', 'stock.reserved.x', false],
    ['#.*.#', 'a', true],
    ['#.*.#', '', true], // "" is one empty word, as in RabbitMQ
    ['a.*.#.b', 'a.x.b', true],
    ['a.*.#.b', 'a.b', false],
    ['orders.pla*', 'orders.placed', false], // wildcards are whole words only
  ])('%s against %j is %s', (pattern, routingKey, expected) => {
    expect(topicMatches(pattern, routingKey)).toBe(expected);
  });

  it('stays fast with many "#"', () => {
    const started = performance.now();
    expect(topicMatches('#.#.#.#.#.#.#.#.#.#.x', Array.from({ length: 60 }, () => 'w').join('.'))).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt within +-20 %, never beyond the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 100, MAX_BACKOFF_MS, () => 0.5))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(3, 100, MAX_BACKOFF_MS, () => 0)).toBe(320);
    expect(backoffDelay(3, 100, MAX_BACKOFF_MS, () => 1)).toBe(480);
    expect(backoffDelay(40, 1_000, 30_000, () => 0.5)).toBe(30_000);
    for (let attempt = 1; attempt < 10; attempt += 1) {
      expect(backoffDelay(attempt + 1, 50, MAX_BACKOFF_MS, () => 0)).toBeGreaterThan(backoffDelay(attempt, 50, MAX_BACKOFF_MS, () => 1));
    }
  });
});

describe('envelope codec', () => {
  it('round-trips an envelope and refuses what is not one', () => {
    const envelope = createEnvelope('a.b', 'T', { n: 1, list: [null, 'x'] }, { traceparent: '00-1-2-01' });
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
    expect(() => decodeEnvelope('{')).toThrow(new MalformedMessageError('not JSON'));
    expect(() => decodeEnvelope(JSON.stringify({ ...envelope, headers: { n: 1 } }))).toThrow(MalformedMessageError);
    expect(() => encodeEnvelope({ ...envelope, payload: undefined })).toThrow(/payload/);
    expect(() => encodeEnvelope({ ...envelope, occurredAt: 'yesterday' })).toThrow(/occurredAt/);
  });
});

describe('loadMessagingConfig', () => {
  const issuesOf = (env: Record<string, string>) => {
    try {
      loadMessagingConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults to the in-process bus and names bad variables', () => {
    expect(loadMessagingConfig({})).toEqual({ amqpUrl: undefined, exchange: 'commerce.events', queuePrefix: '' });
    expect(loadMessagingConfig({ AMQP_URL: 'amqp://u:p@rabbit:5672/shop', AMQP_QUEUE_PREFIX: 'staging.' })).toEqual({
      amqpUrl: 'amqp://u:p@rabbit:5672/shop',
      exchange: 'commerce.events',
      queuePrefix: 'staging.',
    });
    expect(issuesOf({ AMQP_URL: 'http://rabbit' })).toEqual(['AMQP_URL: must be an amqp:// or amqps:// URL']);
    expect(issuesOf({ AMQP_EXCHANGE: 'amq.topic' })[0]).toMatch(/^AMQP_EXCHANGE: .*reserved/);
    expect(issuesOf({ AMQP_QUEUE_PREFIX: 'has space' })[0]).toMatch(/^AMQP_QUEUE_PREFIX: /);
  });
});
