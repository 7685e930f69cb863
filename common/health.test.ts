import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { createHttpService } from './http/service-server.ts';
import { isReady, runHealthChecks, type HealthCheck } from './health.ts';
import { Registry } from 'prom-client';

const up = (name: string, critical?: boolean): HealthCheck => ({ name, check: async () => {}, ...(critical === undefined ? {} : { critical }) });
const down = (name: string, critical?: boolean): HealthCheck => ({
  name,
  check: async () => {
    throw new Error(`${name} refused the connection`);
  },
  ...(critical === undefined ? {} : { critical }),
});

describe('health checks', () => {
  it('ok when all answer; degraded (still ready) when only non-critical ones fail; unavailable when a critical one fails', async () => {
    expect((await runHealthChecks([up('database'), up('broker', false)])).status).toBe('ok');

    const degraded = await runHealthChecks([up('database'), down('broker', false)]);
    expect(degraded.status).toBe('degraded');
    expect(isReady(degraded)).toBe(true);
    expect(degraded.checks['broker']).toMatchObject({ status: 'unavailable', critical: false, error: 'broker refused the connection' });

    const unavailable = await runHealthChecks([down('database'), down('broker', false)]);
    expect(unavailable.status).toBe('unavailable');
    expect(isReady(unavailable)).toBe(false);
    expect(unavailable.checks['database']).toMatchObject({ status: 'unavailable', critical: true });
  });

  it('counts a check that hangs as down after 2 s', async () => {
    const started = performance.now();
    const report = await runHealthChecks([{ name: 'database', check: () => new Promise(() => {}) }]);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(report.checks['database']).toMatchObject({ status: 'unavailable', error: 'timed out after 2000 ms' });
  });

  it('/health/ready answers 200 while degraded and 503 when unavailable', async () => {
    let databaseUp = true;
    const http = createHttpService({
      log: createLogger('health-test', 'silent'),
      graphql: () => {},
      metrics: new Registry(),
      shutdownGraceMs: 1_000,
      health: [{ name: 'database', check: async () => void (databaseUp || (await Promise.reject(new Error('down')))) }, down('broker', false)],
    });
    const url = await http.listen(0, '127.0.0.1');
    try {
      const degraded = await fetch(`${url}/health/ready`);
      expect(degraded.status).toBe(200);
      expect(((await degraded.json()) as { status: string }).status).toBe('degraded');
      databaseUp = false;
      const unready = await fetch(`${url}/health/ready`);
      expect(unready.status).toBe(503);
      expect(((await unready.json()) as { status: string }).status).toBe('unavailable');
    } finally {
      await http.close();
    }
  });
});
