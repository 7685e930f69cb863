// GATEWAY_WORKERS and the shared plans' switches, as loadGatewayConfig reads them: the defaults per
// NODE_ENV, and the combinations refused naming the variable.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config.ts';
import { loadGatewayConfig } from '../config.ts';

const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379' };
const refusal = (env: Record<string, string>) => {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.join('\n');
    throw error;
  }
  return undefined;
};

describe('GATEWAY_WORKERS', () => {
  it('is one process in development and test', () => {
    expect(loadGatewayConfig({}).workers).toBe(1);
    expect(loadGatewayConfig({ NODE_ENV: 'test', ...REDIS }).workers).toBe(1);
  });

  it('is every core in production when the rate-limit budgets are shared (Redis) or off, else one', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'production', ...REDIS }).workers).toBe(availableParallelism());
    expect(loadGatewayConfig({ NODE_ENV: 'production', RATE_LIMIT_ENABLED: 'false' }).workers).toBe(availableParallelism());
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).workers).toBe(1);
  });

  it('takes an explicit count, and refuses several workers with per-process budgets in production', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'production', GATEWAY_WORKERS: '3', ...REDIS }).workers).toBe(3);
    expect(loadGatewayConfig({ GATEWAY_WORKERS: '2' }).workers).toBe(2);
    expect(refusal({ NODE_ENV: 'production', GATEWAY_WORKERS: '2' })).toMatch(/^GATEWAY_WORKERS: 2 workers in production need REDIS_URL/);
    expect(refusal({ GATEWAY_WORKERS: '0' })).toMatch(/^GATEWAY_WORKERS: /);
    expect(refusal({ GATEWAY_WORKERS: 'many' })).toMatch(/^GATEWAY_WORKERS: /);
  });
});

describe('PLAN_CACHE_REDIS', () => {
  it('shares plans whenever REDIS_URL is set, unless turned off', () => {
    expect(loadGatewayConfig({}).sharedPlans.redisUrl).toBeUndefined();
    expect(loadGatewayConfig(REDIS).sharedPlans).toEqual({ redisUrl: REDIS.REDIS_URL, keyPrefix: 'plans' });
    expect(loadGatewayConfig({ ...REDIS, PLAN_CACHE_KEY_PREFIX: 'p' }).sharedPlans.keyPrefix).toBe('p');
    expect(loadGatewayConfig({ ...REDIS, PLAN_CACHE_REDIS: 'false' }).sharedPlans.redisUrl).toBeUndefined();
    expect(refusal({ PLAN_CACHE_REDIS: 'true' })).toBe('PLAN_CACHE_REDIS: "true" needs REDIS_URL');
  });
});
