import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { buildAll, entryPoints } from '../scripts/build.ts';
import { startServiceProcess, type ServiceProcess } from './support/service-process.ts';
import { waitFor } from './support/wait-for.ts';

// Production runs what `npm run build` writes, with plain node (no tsx): a subgraph and the gateway
// built that way start, become ready and answer a federated query.
const root = join(import.meta.dirname, '..');
// Inside the project, so the bundles' packages resolve from its node_modules; unique per run.
const outRoot = join(root, '.data', `build-test-${randomUUID()}`);
let dataDir: string;
let standIn: Server;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(os.tmpdir(), 'built-entry-points-'));
  // The subgraphs this test does not start: live, and never asked by the query below.
  standIn = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await Promise.all(started.map((service) => service.stop()));
  standIn?.close();
  await rm(outRoot, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const readiness = (url: string) =>
  fetch(new URL('/health/ready', url)).then(async (response) => ({ status: response.status, body: (await response.json()) as { checks: Record<string, unknown> } }));
const whenReady = (service: ServiceProcess, what: string) =>
  waitFor(
    () => readiness(service.url).catch(() => ({ status: 0, body: { checks: {} } })),
    (ready) => ready.status === 200,
    { what: `${what} to be ready`, timeoutMs: 120_000, intervalMs: 200 },
  );

describe('npm run build', () => {
  it('compiles every entry point; a compiled subgraph and gateway start under plain node, are ready and answer', async () => {
    const built = await buildAll(outRoot);
    expect(built).toEqual(entryPoints().map((entry) => relative(root, join(outRoot, entry.replace(/\.ts$/, '.js')))));

    const compiled = (entry: string) => relative(root, join(outRoot, entry));
    const catalog = await startServiceProcess(compiled('subgraphs/catalog/main.js'), { DATA_DIR: dataDir });
    started.push(catalog);
    expect((await whenReady(catalog, 'the compiled catalog')).body.checks).toHaveProperty('database');

    const { port } = standIn.address() as AddressInfo;
    const subgraphUrls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_URL_${name.toUpperCase()}`, name === 'catalog' ? catalog.url : `http://127.0.0.1:${port}/graphql`]),
    );
    const gateway = await startServiceProcess(compiled('gateway/main.js'), { ...subgraphUrls, SUPERGRAPH_WATCH: 'false' });
    started.push(gateway);
    expect((await whenReady(gateway, 'the compiled gateway')).body.checks).toHaveProperty('supergraph');

    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ categories { id name } }' }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: { categories: { id: string; name: string }[] }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data?.categories.length).toBeGreaterThan(0);
  });

  it('compiles the operator command create-admin, which plain node runs: an administrator from a piped password', async () => {
    const command = relative(root, join(outRoot, 'scripts/create-admin.js'));
    const run = (input: string) => {
      const child = spawn(process.execPath, ['--enable-source-maps', command, '--email', 'first-admin@shop.example'], {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'development', DATA_DIR: dataDir, PASSWORD_SCRYPT_COST: '1024' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdin.end(input);
      return new Promise<{ code: number | null; output: string }>((done) => child.once('close', (code) => done({ code, output })));
    };
    const created = await run('a-long-enough-password\n');
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('Created the administrator first-admin@shop.example');
    const again = await run('');
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('already an administrator: nothing changed');
  });
});
