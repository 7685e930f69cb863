// `npm start` as a person and a process manager meet it: run in a process group of its own, on a
// free block of ports (BASE_PORT), on the embedded default in a temporary DATA_DIR. Each start is a
// process tree of its own on its own ports and data: the development starts that share a data
// directory run one after the other, everything else beside them (concurrent suites).
// Only the first development start migrates a DATA_DIR from nothing (a person's first npm start); the
// others find theirs already there, as a second start does: the first's, or a copy of the migrated
// data directories the test supergraphs copy (test/support/migrated-data-dirs.ts), which saves the
// schema engine and the seed a CPU-second or more per service and start.
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import { devSubgraphSecret } from '../common/service/subgraph-config.ts';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { demoUsers } from '../prisma/seed-data.ts';
import persistedOperations from '../sdk/persisted-operations.json' with { type: 'json' };
import { subgraphModules } from '../subgraphs/index.ts';
import { graphql } from './support/graphql-client.ts';
import { askFrom } from './support/http-from.ts';
import { acceptsConnections, groupRssMiB, listeningAddresses, processesInGroup } from './support/process-tree.ts';
import { requestInFlight } from './support/request-in-flight.ts';
import { freeNpmStartPorts, startNpmStart, type NpmStart } from './support/service-process.ts';
import { logInAsCustomer } from './support/sessions.ts';
import { copyMigratedDataDirs } from './support/migrated-data-dirs.ts';
import { waitFor } from './support/wait-for.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'npm-start-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** `startNpmStart` for one test: whatever is left of its process group is killed when the test ends. */
async function npmStart({ onTestFinished }: TestContext, ...args: Parameters<typeof startNpmStart>): Promise<NpmStart> {
  const started = await startNpmStart(...args);
  onTestFinished(() => started.kill());
  return started;
}

const SERVICES = ['gateway', ...SUBGRAPH_NAMES];
const STOP_DEADLINE = { timeoutMs: 60_000, intervalMs: 200 };

/**
 * A DATA_DIR under the test's as an earlier start left it: migrated and, when `seeded`, holding the
 * demo data (a development start's seed; its demo orders are placed through the gateway, not there).
 */
async function startedBefore(name: string, options: { seeded: boolean }): Promise<string> {
  const target = join(dataDir, name);
  await copyMigratedDataDirs(target, subgraphModules, options);
  return target;
}

/** Every port closed and no process of the group left: what a process manager expects after a stop. */
async function expectAllGone(started: NpmStart): Promise<void> {
  await waitFor(
    async () => (await Promise.all(started.ports.map(acceptsConnections))).some(Boolean),
    (anyOpen) => !anyOpen,
    {
      what: 'every port of npm start to be free',
      ...STOP_DEADLINE,
    },
  );
  await waitFor(
    () => processesInGroup(started.npmPid),
    (left) => left.length === 0,
    { what: 'no process of npm start left', ...STOP_DEADLINE },
  );
  for (const port of started.ports) expect(await listeningAddresses(port)).toEqual([]);
}

/** A gateway request that is in flight (headers read, body still to come) when the stop begins. */
const inFlightAtGateway = (started: NpmStart) => requestInFlight(started.gatewayUrl, '{ __typename }');

const customerOrderCount = async (gatewayUrl: string) => {
  const customer = await logInAsCustomer(gatewayUrl);
  const response = await graphql<{ me: { orders: { totalCount: number } } }>(gatewayUrl, '{ me { orders { totalCount } } }', {}, { token: customer.token });
  return response.data?.me.orders.totalCount;
};

// Three starts on one data directory, in order: the second and third find the first's demo data.
describe.concurrent('npm start in development', () => {
  it.sequential(
    'shows a progress line per service and the banner last, no JSON; listens on loopback only; the committed secrets open nothing; one SIGTERM stops it gracefully',
    async (context) => {
      const { expect } = context;
      const started = await npmStart(context, { NODE_ENV: 'development', DATA_DIR: dataDir });

      const lines = started.output().stdout.split('\n');
      for (const [offset, service] of SERVICES.entries()) {
        const port = started.basePort + offset;
        expect(lines, service).toContainEqual(expect.stringMatching(new RegExp(`^  ${service} +ready on http://127\\.0\\.0\\.1:${port} \\(\\d+\\.\\d s\\)$`)));
      }
      expect(
        lines.filter((line) => line.trimStart().startsWith('{')),
        'JSON lines',
      ).toEqual([]);
      // The banner is the last block: nothing after it.
      const text = started.output().stdout.trimEnd();
      const banner = text.slice(text.lastIndexOf('\n\n') + 2).split('\n');
      expect(banner[0]).toBe(`  Supergraph ready: http://127.0.0.1:${started.basePort}/graphql`);
      for (const user of demoUsers) expect(banner).toContainEqual(expect.stringContaining(`${user.email} / ${user.password}`));
      // The storefront moves with BASE_PORT (1000 below it).
      expect(banner).toContainEqual(expect.stringMatching(new RegExp(`Storefront: http://[^/]+:${started.basePort - 1000}$`)));
      expect(text.lastIndexOf('demo orders ')).toBeLessThan(text.lastIndexOf('Supergraph ready'));
      // The whole tree (npm and the supergraph) after a first start on embedded defaults stays under
      // 1 GiB (issue 29): ~0.8 GiB measured, 2.3 GiB before (docs/benchmarks.md).
      expect(await groupRssMiB(started.npmPid)).toBeLessThan(1024);

      // Loopback only: nobody else on the network reaches a service.
      for (const port of started.ports) expect(await listeningAddresses(port), `port ${port}`).toEqual(['127.0.0.1']);
      // A credential signed with the development secret committed in the repository is refused.
      const accountsUrl = `http://127.0.0.1:${started.basePort + 1}/graphql`;
      const forged = await fetch(accountsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [GATEWAY_CREDENTIAL_HEADER]: await signGatewayCredential('accounts', devSubgraphSecret('accounts'), { viewer: { id: 'attacker', role: 'ADMIN' }, requestId: 'forged' }),
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(forged.status).toBe(401);
      // While the gateway, holding the generated secrets, is answered.
      expect(await customerOrderCount(started.gatewayUrl)).toBe(4);

      const inFlight = await inFlightAtGateway(started);
      process.kill(started.nodePid, 'SIGTERM');
      await waitFor(
        () => acceptsConnections(started.basePort),
        (accepted) => !accepted,
        { what: 'the gateway to stop accepting', ...STOP_DEADLINE },
      );
      const answer = await inFlight.finish();
      expect(answer).toEqual({ status: 200, body: expect.stringContaining('"__typename":"Query"') });
      const exit = await started.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stdout).toMatch(/supergraph: stopped gracefully/);
      await expectAllGone(started);
    },
    420_000,
  );

  it.sequential(
    'stops everything when only the npm process gets SIGTERM; a second start places no demo order again',
    async (context) => {
      const { expect } = context;
      const started = await npmStart(context, { NODE_ENV: 'development', DATA_DIR: dataDir });
      expect(await customerOrderCount(started.gatewayUrl)).toBe(4);
      const inFlight = await inFlightAtGateway(started);
      process.kill(started.npmPid, 'SIGTERM');
      expect((await inFlight.finish()).status).toBe(200);
      await expectAllGone(started);
    },
    420_000,
  );

  it.sequential(
    'stops everything gracefully on Ctrl-C (SIGINT to the whole process group)',
    async (context) => {
      const { expect } = context;
      const started = await npmStart(context, { NODE_ENV: 'development', DATA_DIR: dataDir });
      const inFlight = await inFlightAtGateway(started);
      process.kill(-started.npmPid, 'SIGINT');
      expect((await inFlight.finish()).status).toBe(200);
      await expectAllGone(started);
      const { stdout } = started.output();
      expect(stdout).toMatch(/supergraph: stopped gracefully/);
      expect(stdout).not.toMatch(/exiting at once/);
    },
    420_000,
  );
});

describe.concurrent('npm start in development on a taken port', () => {
  it('says which port is taken and by whom when one is, exits non-zero and leaves nothing running', async (context) => {
    const { expect } = context;
    const basePort = await freeNpmStartPorts();
    const taken = basePort + 4; // orders': the other services start, then must be stopped again
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(taken, '127.0.0.1', resolve));
    try {
      const started = await npmStart(context, { NODE_ENV: 'development', DATA_DIR: await startedBefore('taken-port', { seeded: true }) }, { untilReady: false, basePort });
      const exit = await started.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.stderr).toContain(`port ${taken} is in use by pid ${process.pid} (`);
      expect(exit.stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(exit.stderr).not.toContain('EADDRINUSE');
      await waitFor(
        () => processesInGroup(started.npmPid),
        (left) => left.length === 0,
        { what: 'no process of npm start left', ...STOP_DEADLINE },
      );
      for (const port of started.ports.filter((port) => port !== taken)) expect(await listeningAddresses(port), `port ${port}`).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 420_000);
});

describe.concurrent('npm start in production', () => {
  const secret = 'npm-start-production-secret-0123456789';

  it('refuses to seed the demo accounts: a config error naming SEED_DEMO_DATA, no stack, nothing started', async (context) => {
    const { expect } = context;
    const running = await npmStart(context, { NODE_ENV: 'production', SEED_DEMO_DATA: 'true', SUBGRAPH_SECRET: secret, DATA_DIR: join(dataDir, 'refused') }, { untilReady: false });
    const exit = await running.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(/^\s+- SEED_DEMO_DATA: must not be true when NODE_ENV=production/m);
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    for (const port of running.ports) expect(await listeningAddresses(port)).toEqual([]);
  }, 120_000);

  it('logs JSON only, never a demo password, and one SIGTERM stops it gracefully', async (context) => {
    const { expect } = context;
    // Production seeds nothing: its earlier start left the databases migrated and empty.
    const started = await npmStart(context, { NODE_ENV: 'production', SUBGRAPH_SECRET: secret, DATA_DIR: await startedBefore('production', { seeded: false }) });
    // Production requires trusted documents: the request in flight is the SDK's Categories by id.
    const categories = persistedOperations.operations.find((operation) => operation.name === 'Categories')!;
    // Four shoppers on four addresses through the storefront, the cacheable kind (by id, over GET):
    // each has a budget of its own, and the X-Forwarded-For they all forge names none.
    const byId = `http://127.0.0.1:${started.basePort - 1000}/graphql?documentId=sha256:${categories.id}`;
    const shoppers = await Promise.all(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map((from) => askFrom(byId, { method: 'GET', from, headers: { 'x-forwarded-for': '203.0.113.7' } })),
    );
    expect(shoppers.map((answer) => [answer.status, answer.headers['ratelimit-remaining']])).toEqual(
      shoppers.map(() => [200, String(Number(shoppers[0]!.headers['ratelimit-limit']) - 1)]),
    );
    const inFlight = await requestInFlight(started.gatewayUrl, { documentId: `sha256:${categories.id}` });
    process.kill(started.nodePid, 'SIGTERM');
    expect(await inFlight.finish()).toEqual({ status: 200, body: expect.stringContaining('{"data":{"categories":[') });
    const exit = await started.exited;
    expect(exit.code, exit.stderr).toBe(0);
    await expectAllGone(started);

    // What node wrote comes after npm's own "> node --import tsx scripts/start.ts" header.
    const fromNode = exit.stdout
      .slice(exit.stdout.indexOf('scripts/start.ts\n') + 'scripts/start.ts\n'.length)
      .split('\n')
      .filter(Boolean);
    expect(fromNode.length).toBeGreaterThan(0);
    for (const line of fromNode) expect(() => JSON.parse(line), line).not.toThrow();
    const messages = fromNode.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('supergraph ready');
    expect(messages.at(-1)).toBe('stopped gracefully');
    for (const user of demoUsers) expect(exit.stdout + exit.stderr).not.toContain(user.password);
  }, 420_000);
});
