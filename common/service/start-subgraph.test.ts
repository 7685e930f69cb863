import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../gateway-credential.ts';
import { createLogger } from '../logger.ts';
import { createInProcessBus } from '../messaging/in-process-bus.ts';
import { allow } from '../subgraph/permissions.ts';
import type { SubgraphContext } from '../subgraph/context.ts';
import { startSubgraph, type RunningSubgraph } from './start-subgraph.ts';
import { loadSubgraphConfig } from './subgraph-config.ts';
import { defineSubgraph, type PrismaHandle } from './subgraph-module.ts';

// The runner alone, on a module made up here: no database (a stand-in Prisma handle, migrations
// off), the in-process bus. What a module declares is what runs: its parts built once and shared by
// the context, the consumers and the timers; everything it started is stopped with it.

const config = loadSubgraphConfig('catalog', {
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
  DATABASE_URL_CATALOG: 'postgresql://stand-in/none',
  DB_MIGRATE_ON_START: 'false',
  SEED_DEMO_DATA: 'false',
});
const prisma: PrismaHandle = { $disconnect: async () => {}, $queryRawUnsafe: async <T>() => [] as T };
const bus = createInProcessBus({ log: createLogger('test', 'silent') });

function recordingModule() {
  const events: string[] = [];
  let partsBuilt = 0;
  const module = defineSubgraph({
    name: 'catalog',
    loadConfig: () => config,
    openPrisma: () => prisma,
    // An entity, so that the federation fields the shield allows (`_entities`) are in the schema.
    typeDefs: parse('type Query { counter: Int! } type Thing @key(fields: "id") { id: ID! }'),
    resolvers: { Query: { counter: (_: unknown, __: unknown, context: SubgraphContext & { counter: { value: number } }) => ++context.counter.value } },
    permissions: { Query: { counter: allow }, Thing: allow },
    parts: () => {
      partsBuilt++;
      return { counter: { value: 0 } };
    },
    context: (base, { parts }) => ({ ...base, counter: parts.counter }),
    consumers: async ({ parts }) => {
      events.push(`consumer started with the counter at ${parts.counter.value}`);
      return [{ stop: async () => void events.push('consumer stopped') }];
    },
    timers: ({ parts }) => {
      const timer = setInterval(() => parts.counter.value, 1_000);
      events.push('timer started');
      return [{ stop: async () => void (clearInterval(timer), events.push('timer stopped')) }];
    },
    routes: ({ parts }) => ({ '/counter': (_req, res) => void res.end(String(parts.counter.value)) }),
  });
  return { module, events, partsBuilt: () => partsBuilt };
}

let running: RunningSubgraph<PrismaHandle> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const ask = (url: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [GATEWAY_CREDENTIAL_HEADER]: signGatewayCredential('catalog', config.gatewaySecret, { viewer: null, requestId: 'test' }),
    },
    body: JSON.stringify({ query: '{ counter }' }),
  }).then((response) => response.json() as Promise<{ data?: { counter: number } }>);

describe('startSubgraph', () => {
  it('builds the server from the module and shares its parts, built once, with every request, its consumers, timers and routes', async () => {
    const { module, events, partsBuilt } = recordingModule();
    running = await startSubgraph(module, config, { bus });
    expect(await ask(running.url)).toEqual({ data: { counter: 1 } });
    expect(await ask(running.url)).toEqual({ data: { counter: 2 } });
    expect(await fetch(`${running.url}/counter`).then((response) => response.text())).toBe('2');
    expect(partsBuilt()).toBe(1);
    expect(events).toEqual(['consumer started with the counter at 0', 'timer started']);
  });

  it('stops the consumers and timers it started', async () => {
    const { module, events } = recordingModule();
    const subgraph = await startSubgraph(module, config, { bus });
    await subgraph.stop();
    expect(events.slice(2).sort()).toEqual(['consumer stopped', 'timer stopped']);
    await expect(fetch(`${subgraph.url}/graphql`)).rejects.toThrow();
  });
});
