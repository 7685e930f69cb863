// A subgraph's readiness follows its database. Cut between catalog and its PostgreSQL, /health/ready
// answers 503 naming the database within seconds (a load balancer stops sending it traffic), and 200
// again once the database is back, with no restart: the connection pool heals by itself. /health/live
// stays 200 throughout, so an orchestrator never restarts a process for its database's outage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../../common/health.ts';
import { LONE_SUBGRAPH_ENV } from '../../support/lone-subgraph-env.ts';
import { startSubgraph, type RunningSubgraph } from '../../../common/service/start-subgraph.ts';
import { databaseUrlVariable } from '../../../common/service/subgraph-config.ts';
import type { PrismaHandle } from '../../../common/service/subgraph-module.ts';
import { catalog } from '../../../subgraphs/catalog/service.ts';
import { startTcpFaultProxy, type TcpFault, type TcpFaultProxy } from '../../support/tcp-fault-proxy.ts';
import { createTestDatabases, type TestDatabases } from '../../support/test-databases.ts';
import { waitFor } from '../../support/wait-for.ts';

// Each check's deadline, set short here (production: 2 s) so the faults that hang a check cost the
// file seconds less; the outage's pool and query deadlines below keep their proportions to it.
const CHECK_TIMEOUT_MS = 1_000;
// An answer later than this means something hung.
const PROMPT_MS = 4_000;

let databases: TestDatabases | undefined;
let proxy: TcpFaultProxy | undefined;
let service: RunningSubgraph<PrismaHandle> | undefined;

beforeAll(async () => {
  databases = await createTestDatabases(['catalog']);
  const direct = new URL(databases.urls.catalog);
  proxy = await startTcpFaultProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const throughProxy = new URL(direct);
  throughProxy.hostname = proxy.host;
  throughProxy.port = String(proxy.port);
  // No AMQP_URL: the in-process bus, so only the database can make the service unready.
  const config = catalog.loadConfig({
    ...LONE_SUBGRAPH_ENV,
    HEALTH_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
    // Short (above the check's deadline), so the vanished connections are replaced within the test's patience.
    DB_QUERY_TIMEOUT_MS: String(CHECK_TIMEOUT_MS * 1.5),
    [databaseUrlVariable('catalog')]: throughProxy.toString(),
  });
  service = await startSubgraph(catalog, config);
});

afterAll(async () => {
  // Restored first: a pool waiting on a blackholed query could not disconnect.
  proxy?.restore();
  try {
    await service?.stop();
  } finally {
    try {
      await proxy?.close();
    } finally {
      await databases?.drop();
    }
  }
});

interface Probe {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
}

const probe = async (path: '/health/ready' | '/health/live'): Promise<Probe> => {
  const started = performance.now();
  // The client's own limit is well above PROMPT_MS: a hang shows as a slow answer, not a test timeout.
  const response = await fetch(`${service!.url}${path}`, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, text: await response.text(), ms: performance.now() - started };
};
const reportOf = (answer: Probe) => JSON.parse(answer.text) as HealthReport;

const expectLive = async () => {
  const live = await probe('/health/live');
  expect(live.status).toBe(200);
  expect(JSON.parse(live.text)).toEqual({ status: 'ok' });
};

const expectReady = async () => {
  const ready = await waitFor(
    () => probe('/health/ready'),
    (answer) => answer.status === 200,
    { what: '/health/ready to answer 200', timeoutMs: 15_000, intervalMs: 200 },
  );
  expect(reportOf(ready)).toMatchObject({ status: 'ok', checks: { database: { status: 'ok' }, broker: { status: 'ok' } } });
};

/** During the outage: unready at once and on every later probe (dead pooled connections first, new ones after), alive all along. */
const expectUnreadyPromptly = async (errorPattern: RegExp, probes: number) => {
  for (let attempt = 0; attempt < probes; attempt += 1) {
    const ready = await probe('/health/ready');
    expect(ready.status, ready.text).toBe(503);
    expect(ready.ms).toBeLessThan(PROMPT_MS);
    expect(ready.text).toContain('"database"');
    const report = reportOf(ready);
    expect(report.status).toBe('unavailable');
    expect(report.checks['database']).toMatchObject({ status: 'unavailable', error: expect.stringMatching(errorPattern) });
    // Only the database is down; the report says which dependency failed.
    expect(report.checks['broker']?.status).toBe('ok');
    await expectLive();
  }
};

describe('readiness when the database becomes unreachable', () => {
  it.each<[TcpFault, string, RegExp, number]>([
    // Connections are reset: the check fails fast with the driver's error.
    ['reset', 'connections are reset', /connection/i, 3],
    // Bytes go nowhere and the query waits: the check's own deadline fails it. On restore the held
    // bytes go through, as when a partition heals, and the waiting queries finish.
    ['blackhole', 'the network drops everything', new RegExp(`timed out after ${CHECK_TIMEOUT_MS} ms`), 3],
    // The open connections never answer again, and more probes than the pool has connections leave
    // each of them stuck in a query: only DB_QUERY_TIMEOUT_MS, which fails the query and drops its
    // connection, lets the pool heal once the database is reachable again (and the pool's connect
    // timeout ends the connections that were being opened during the fault).
    ['vanish', 'the open connections die silently', new RegExp(`timed out after ${CHECK_TIMEOUT_MS} ms|timeout`, 'i'), 8],
  ])('%s (%s): 503 within seconds, 200 again after it is restored, live all along', async (fault, _description, errorPattern, probes) => {
    await expectReady();
    await expectLive();
    // Every pooled connection open (concurrent checks), so the fault meets established connections.
    await Promise.all(Array.from({ length: 12 }, () => probe('/health/ready')));

    proxy!.cut(fault);
    try {
      await expectUnreadyPromptly(errorPattern, probes);
    } finally {
      proxy!.restore();
    }

    await expectReady();
    await expectLive();
  });
});
