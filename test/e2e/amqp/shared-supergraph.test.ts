// Two gateway processes following one shared supergraph source (a Redis key): `npm run
// schema:publish` composes, checks and publishes; both replicas switch within seconds. A supergraph
// that fails the schema checks is not published, and both keep serving the one they have. Runs with
// the real Redis and RabbitMQ (vitest project `postgres`): the shared source spans processes.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSupergraphConfig } from '../../../scripts/schema/supergraph-config.ts';
import { graphql } from '../../support/graphql-client.ts';
import { gatewayEnvFor, startGatewayProcess, type GatewayProcess } from '../../support/service-process.ts';
import { startTestSupergraph, type TestSupergraph } from '../../support/test-supergraph.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../support/test-redis.ts';
import { waitFor } from '../../support/wait-for.ts';
import { servableSupergraph } from '../../../gateway/authorization/requirements.ts';

const root = resolve(import.meta.dirname, '../../..');
const prefix = `test-shared-supergraph-${randomUUID()}`;
const key = `${prefix}:supergraph`;
let supergraph: TestSupergraph;
let directory: string;
let redis: Redis;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  supergraph = await startTestSupergraph({ mode: 'postgres' });
  directory = await mkdtemp(join(tmpdir(), 'shared-supergraph-'));
  redis = new Redis(TEST_REDIS_URL);
  const env = {
    ...gatewayEnvFor(supergraph),
    AMQP_URL: supergraph.env['AMQP_URL']!,
    AMQP_EXCHANGE: supergraph.env['AMQP_EXCHANGE']!,
    AMQP_QUEUE_PREFIX: supergraph.env['AMQP_QUEUE_PREFIX']!,
    REDIS_URL: TEST_REDIS_URL,
    RATE_LIMIT_KEY_PREFIX: prefix,
    PLAN_CACHE_KEY_PREFIX: `${prefix}:plans`,
    SUPERGRAPH_WATCH: 'false',
    SUPERGRAPH_REDIS_KEY: key,
  };
  gateways.push(...(await Promise.all([startGatewayProcess(env), startGatewayProcess(env)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await supergraph?.stop();
  await deleteRedisKeys(prefix);
  redis?.disconnect();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** A supergraph.yaml in the test's folder: the repository's subgraphs, inventory's schema edited. */
async function configWithInventory(name: string, edit: (sdl: string) => string): Promise<string> {
  const { federationVersion, subgraphs } = await readSupergraphConfig(resolve(root, 'supergraph.yaml'));
  const lines = [`federation_version: "${federationVersion}"`, 'subgraphs:'];
  for (const subgraph of subgraphs) {
    let file = subgraph.file;
    if (subgraph.name === 'inventory') {
      file = join(directory, `${name}-inventory.graphql`);
      await writeFile(file, edit(subgraph.sdl));
    }
    lines.push(`  ${subgraph.name}:`, `    routing_url: ${subgraph.url}`, '    schema:', `      file: ${file}`);
  }
  const path = join(directory, `${name}.yaml`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

function publish(configPath: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/schema-publish.ts', '--config', configPath],
      { cwd: root, env: { ...process.env, REDIS_URL: TEST_REDIS_URL, SUPERGRAPH_REDIS_KEY: key, PLAN_CACHE_KEY_PREFIX: `${prefix}:plans` }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

const DESCRIBE = /* GraphQL */ `{ __type(name: "Inventory") { fields { name description } } }`;
type Described = { __type: { fields: { name: string; description: string | null }[] } };
const descriptionOf = async (gateway: GatewayProcess, field: string) =>
  (await graphql<Described>(gateway.url, DESCRIBE, {})).data?.__type.fields.find((candidate) => candidate.name === field)?.description;

describe('a supergraph published to the shared source', () => {
  // Two publishes, each composing, checking and planning the clients' trusted documents in a process of its own.
  it('reaches both gateways within seconds; one that fails the checks is refused and nothing changes', { timeout: 240_000 }, async () => {
    const compatible = await configWithInventory('compatible', (sdl) => sdl.replace('"Units that can still be ordered."', '"Units that can still be ordered, now."'));
    const published = await publish(compatible);
    expect(published.code, published.output).toBe(0);
    const at = Date.now();
    for (const gateway of gateways) {
      await waitFor(
        () => descriptionOf(gateway, 'available'),
        (description) => description === 'Units that can still be ordered, now.',
        { what: 'the gateway to switch', timeoutMs: 20_000 },
      );
    }
    expect(Date.now() - at).toBeLessThan(20_000);
    console.log(`both gateways served the published supergraph ${Date.now() - at} ms after schema:publish returned`);
    const sharedSdl = await redis.get(key);
    expect(sharedSdl).toContain('Units that can still be ordered, now.');
    // The clients' trusted documents were planned for it ahead, beside it: the gateways read them there.
    const planned = Number(/with (\d+) query plan/.exec(published.output)?.[1]);
    expect(planned).toBeGreaterThan(10);
    // Keyed by the supergraph as the gateways load it (authorization's specs served), the id they compute.
    const plans = `${prefix}:plans:${createHash('sha256').update(servableSupergraph(sharedSdl!)).digest('hex')}`;
    expect(await redis.hlen(plans)).toBeGreaterThanOrEqual(planned);

    // Removing a field is breaking and not acknowledged: refused before anything is written.
    const breaking = await configWithInventory('breaking', (sdl) => sdl.replace(/\n\s*"Units held for orders in progress\."\n\s*reserved: Int!/, ''));
    const refused = await publish(breaking);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('Inventory.reserved');
    expect(await redis.get(key)).toBe(sharedSdl);
    for (const gateway of gateways) {
      const response = await graphql<{ products: { edges: { node: { inventory: { reserved: number } | null } }[] } }>(
        gateway.url,
        `{ products(first: 1) { edges { node { inventory { reserved } } } } }`,
        {},
      );
      expect(response.errors).toBeUndefined();
    }
  });
});
